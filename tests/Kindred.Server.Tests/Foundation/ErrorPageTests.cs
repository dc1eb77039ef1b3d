using System.Net;
using System.Net.Http.Headers;
using Kindred.Server.Tests.TestRig;

namespace Kindred.Server.Tests.Foundation;

/// <summary>How a browser and an API client ask, and what each should get back.</summary>
public static class ErrorResponses
{
    public const string BrowserAccept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

    public static async Task<HttpResponseMessage> SendAsync(WebSession session, HttpMethod method, string path, string accept, HttpContent? body = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = body };
        request.Headers.Accept.ParseAdd(accept);
        return await session.Http.SendAsync(request);
    }

    /// <summary>A themed page: our layout, a heading, and links home and to urgent help inside the main content.</summary>
    public static async Task AssertThemedPageAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("script-src 'none'", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        var page = await WebSession.ParseAsync(response);
        Assert.NotNull(page.Document.QuerySelector("header.site-header a.urgent-help"));
        var main = page.Document.QuerySelector("main")!;
        Assert.NotEmpty(main.QuerySelector("h1")!.TextContent.Trim());
        Assert.NotNull(main.QuerySelector("a[href='/']"));
        Assert.NotNull(main.QuerySelector("a[href='/help/urgent']"));
        Assert.Contains("Back", main.TextContent, StringComparison.Ordinal);
    }

    public static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("\"status\":" + (int)status, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}

/// <summary>
/// Errors the framework answers (unknown address, wrong method, too many attempts): browsers get a themed page with a
/// way on (home, back, urgent help); API clients keep RFC 9457 problem details.
/// </summary>
public abstract class ErrorPageTests<T>(T fixture) : IClassFixture<T> where T : ServerFixture
{
    private KindredTestServer Server => fixture.Server;

    [Fact]
    public async Task An_unknown_address_is_a_themed_page_for_browsers_and_problem_details_for_api_clients()
    {
        using var session = Server.NewSession();
        await ErrorResponses.AssertThemedPageAsync(await ErrorResponses.SendAsync(session, HttpMethod.Get, "/no/such/page", ErrorResponses.BrowserAccept), HttpStatusCode.NotFound);
        await ErrorResponses.AssertProblemAsync(await ErrorResponses.SendAsync(session, HttpMethod.Get, "/no/such/page", "application/json"), HttpStatusCode.NotFound);
        // The API never answers with HTML, whatever the client accepts.
        await ErrorResponses.AssertProblemAsync(await ErrorResponses.SendAsync(session, HttpMethod.Get, "/api/v1/no-such-thing", ErrorResponses.BrowserAccept), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_post_only_address_opened_in_a_browser_is_a_themed_page_not_raw_json()
    {
        using var session = Server.NewSession();
        await Accounts.SignInAsync(session, await Accounts.RegisterAsync(Server));
        var page = await ErrorResponses.SendAsync(session, HttpMethod.Get, "/notifications/read", ErrorResponses.BrowserAccept);
        await ErrorResponses.AssertThemedPageAsync(page, HttpStatusCode.MethodNotAllowed);
        Assert.Contains("Notifications", (await WebSession.ParseAsync(await ErrorResponses.SendAsync(session, HttpMethod.Get, "/notifications/read", ErrorResponses.BrowserAccept))).Document.QuerySelector("header")!.TextContent);
        await ErrorResponses.AssertProblemAsync(await ErrorResponses.SendAsync(session, HttpMethod.Get, "/notifications/read", "application/json"), HttpStatusCode.MethodNotAllowed);
    }
}

public sealed class ErrorPageTestsOnSqlite(SqliteServer f) : ErrorPageTests<SqliteServer>(f);

public sealed class ErrorPageTestsOnPostgres(PostgresServer f) : ErrorPageTests<PostgresServer>(f);

/// <summary>A server that allows two sign-in attempts a minute from one address (and no larger burst), to meet the limit.</summary>
public class LowSignInLimitSqliteServer : SqliteServer
{
    protected override void Configure(Dictionary<string, string?> settings)
    {
        settings["Kindred:Security:SignInAttemptsPerMinute"] = "2";
        settings["Kindred:Security:SignInBurstPerAddress"] = "2";
    }
}

public class LowSignInLimitPostgresServer : PostgresServer
{
    protected override void Configure(Dictionary<string, string?> settings)
    {
        settings["Kindred:Security:SignInAttemptsPerMinute"] = "2";
        settings["Kindred:Security:SignInBurstPerAddress"] = "2";
    }
}

/// <summary>"Too many attempts" explained on a page to a browser, as problem details to the API.</summary>
public abstract class TooManyAttemptsPageTests<T>(T fixture) : IClassFixture<T> where T : ServerFixture
{
    [Fact]
    public async Task Too_many_sign_in_attempts_answer_a_browser_with_a_page_and_the_api_with_problem_details()
    {
        var server = fixture.Server;
        using var session = server.NewSession();
        HttpResponseMessage last = null!;
        for (var i = 0; i < 3; i++)
        {
            var page = await session.GetAsync("/signin");
            var token = page.Document.QuerySelector("input[name='__csrf']")!.GetAttribute("value")!;
            var form = new FormUrlEncodedContent([new("__csrf", token), new("username", "nobody_at_all"), new("password", "not the password")]);
            last = await ErrorResponses.SendAsync(session, HttpMethod.Post, "/signin", ErrorResponses.BrowserAccept, form);
        }

        await ErrorResponses.AssertThemedPageAsync(last, HttpStatusCode.TooManyRequests);
        Assert.Contains("wait", (await WebSession.ParseAsync(last)).Document.QuerySelector("main")!.TextContent, StringComparison.OrdinalIgnoreCase);
        Assert.NotNull(last.Headers.RetryAfter);

        var api = await ErrorResponses.SendAsync(session, HttpMethod.Post, "/api/v1/auth/token", "application/json",
            new StringContent("""{"username":"nobody_at_all","password":"x"}""", new MediaTypeHeaderValue("application/json")));
        await ErrorResponses.AssertProblemAsync(api, HttpStatusCode.TooManyRequests);
    }
}

public sealed class TooManyAttemptsPageTestsOnSqlite(LowSignInLimitSqliteServer f) : TooManyAttemptsPageTests<LowSignInLimitSqliteServer>(f);

public sealed class TooManyAttemptsPageTestsOnPostgres(LowSignInLimitPostgresServer f) : TooManyAttemptsPageTests<LowSignInLimitPostgresServer>(f);
