using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Kindred.Server.Tests.TestRig;
using Kindred.Server.Web;

namespace Kindred.Server.Tests.Foundation;

/// <summary>Web sign-in and sign-out, API tokens, and what happens to sessions when a password changes.</summary>
public abstract class SignInTests<T>(T fixture) : IClassFixture<T> where T : ServerFixture
{
    private KindredTestServer Server => fixture.Server;

    [Fact]
    public async Task A_member_signs_in_and_out_on_the_web()
    {
        var name = await Accounts.RegisterAsync(Server);
        using var session = Server.NewSession();
        await Accounts.SignInAsync(session, name);

        var home = await session.GetAsync("/");
        Assert.Contains(name, home.Text("header nav"));
        Assert.NotNull(home.Document.QuerySelector("a[href='/signout']"));

        var signedOut = await session.SubmitAsync("/signout", "/signout", new Dictionary<string, string>());
        Assert.Equal(HttpStatusCode.Redirect, signedOut.StatusCode);
        var after = await session.FollowAsync(signedOut);
        Assert.Contains("signed out", after.Text("[role=status]"));
        Assert.NotNull(after.Document.QuerySelector("header a[href='/signin']"));
        Assert.Equal(HttpStatusCode.Redirect, (await session.Http.GetAsync("/account")).StatusCode);
    }

    [Fact]
    public async Task Wrong_password_shows_a_clear_message_and_keeps_the_username()
    {
        var name = await Accounts.RegisterAsync(Server);
        using var session = Server.NewSession();
        var response = await session.SubmitAsync("/signin", "/signin", new Dictionary<string, string> { ["username"] = name, ["password"] = "not the password" });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var page = await WebSession.ParseAsync(response);
        Assert.Contains("do not match", page.Text("[role=alert]"));
        Assert.Equal(name, page.Document.QuerySelector("#username")?.GetAttribute("value"));
    }

    [Fact]
    public async Task A_form_without_its_antiforgery_token_is_refused_and_nothing_happens()
    {
        var name = await Accounts.RegisterAsync(Server);
        using var session = Server.NewSession();
        var response = await session.Http.PostAsync("/signin", new FormUrlEncodedContent(new Dictionary<string, string> { ["username"] = name, ["password"] = Accounts.Password }));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("expired", (await WebSession.ParseAsync(response)).Text("main"));
        Assert.Equal(HttpStatusCode.Redirect, (await session.Http.GetAsync("/account")).StatusCode);
    }

    [Fact]
    public async Task The_token_endpoint_returns_a_bearer_token_for_the_api()
    {
        var name = await Accounts.RegisterAsync(Server);
        using var session = Server.NewSession();
        var response = await session.PostJsonAsync("/api/v1/auth/token", new { username = name, password = Accounts.Password });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var json = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("Bearer", json.GetProperty("token_type").GetString());
        Assert.True(json.GetProperty("expires_in").GetInt32() > 0);
        var token = json.GetProperty("access_token").GetString()!;

        var me = await session.GetWithTokenAsync("/api/v1/accounts/me", token);
        Assert.Equal(HttpStatusCode.OK, me.StatusCode);
        Assert.Equal(name, (await me.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("username").GetString());
    }

    [Fact]
    public async Task Wrong_credentials_and_missing_tokens_get_401_problem_details()
    {
        var name = await Accounts.RegisterAsync(Server);
        using var session = Server.NewSession();
        var wrong = await session.PostJsonAsync("/api/v1/auth/token", new { username = name, password = "wrong password!" });
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal("application/problem+json", wrong.Content.Headers.ContentType?.MediaType);
        Assert.Equal(401, (await wrong.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetInt32());

        var unknown = await session.PostJsonAsync("/api/v1/auth/token", new { username = "nobody_here", password = "whatever it is" });
        Assert.Equal(HttpStatusCode.Unauthorized, unknown.StatusCode);

        var noToken = await session.Http.GetAsync("/api/v1/accounts/me");
        Assert.Equal(HttpStatusCode.Unauthorized, noToken.StatusCode);
        Assert.Equal("application/problem+json", noToken.Content.Headers.ContentType?.MediaType);

        var forged = await session.GetWithTokenAsync("/api/v1/accounts/me", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl");
        Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);
    }

    [Fact]
    public async Task Changing_the_password_ends_other_sessions_and_tokens()
    {
        var name = await Accounts.RegisterAsync(Server);
        var oldToken = await Accounts.TokenAsync(Server, name);
        using var other = Server.NewSession();
        await Accounts.SignInAsync(other, name);
        using var session = Server.NewSession();
        await Accounts.SignInAsync(session, name);

        const string newPassword = "a brand new passphrase";
        var changed = await session.SubmitAsync("/account", "/account/password", new Dictionary<string, string>
        {
            ["currentPassword"] = Accounts.Password,
            ["newPassword"] = newPassword,
            ["confirmPassword"] = newPassword,
        });
        Assert.Equal(HttpStatusCode.Redirect, changed.StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await session.Http.GetAsync("/account")).StatusCode); // this browser stays signed in
        Assert.Equal(HttpStatusCode.Redirect, (await other.Http.GetAsync("/account")).StatusCode); // the other is signed out
        Assert.Equal(HttpStatusCode.Unauthorized, (await session.GetWithTokenAsync("/api/v1/accounts/me", oldToken)).StatusCode);
        Assert.NotEmpty(await Accounts.TokenAsync(Server, name, newPassword));
    }

    [Fact]
    public async Task Account_settings_validate_and_change_the_email_address()
    {
        var name = await Accounts.RegisterAsync(Server);
        var taken = await Accounts.RegisterAsync(Server);
        using var session = Server.NewSession();
        await Accounts.SignInAsync(session, name);

        var wrongPassword = await session.SubmitAsync("/account", "/account/email", new Dictionary<string, string> { ["email"] = $"new-{name}@example.org", ["password"] = "nope nope nope" });
        Assert.Equal(HttpStatusCode.BadRequest, wrongPassword.StatusCode);
        var page = await WebSession.ParseAsync(wrongPassword);
        Assert.Equal($"new-{name}@example.org", page.Document.QuerySelector("#email")?.GetAttribute("value"));
        Assert.NotNull(page.Document.QuerySelector("#password-error"));

        var duplicate = await session.SubmitAsync("/account", "/account/email", new Dictionary<string, string> { ["email"] = $"{taken.ToUpperInvariant()}@example.org", ["password"] = Accounts.Password });
        Assert.Equal(HttpStatusCode.BadRequest, duplicate.StatusCode);

        var ok = await session.SubmitAsync("/account", "/account/email", new Dictionary<string, string> { ["email"] = $"new-{name}@example.org", ["password"] = Accounts.Password });
        Assert.Equal(HttpStatusCode.Redirect, ok.StatusCode);
        var token = await Accounts.TokenAsync(Server, name);
        var me = await (await session.GetWithTokenAsync("/api/v1/accounts/me", token)).Content.ReadFromJsonAsync<JsonElement>();
        // Used only once confirmed through the link sent to it (Mail/EmailChangeTests).
        Assert.Equal($"{name}@example.org", me.GetProperty("email").GetString());
        var message = await Mail.MailRig.WaitForPickupAsync(Server, $"new-{name}@example.org");
        var link = System.Text.RegularExpressions.Regex.Match(message.TextBody ?? "", @"https?://\S+/account/email/confirm\?token=[A-Za-z0-9_-]+").Value;
        var confirm = await session.GetAsync(new Uri(link).PathAndQuery);
        Assert.Equal(HttpStatusCode.Redirect, (await session.SubmitAsync(confirm, "/account/email/confirm", new Dictionary<string, string>())).StatusCode);
        me = await (await session.GetWithTokenAsync("/api/v1/accounts/me", token)).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal($"new-{name}@example.org", me.GetProperty("email").GetString());
    }
}

public sealed class SignInTestsOnSqlite(SqliteServer f) : SignInTests<SqliteServer>(f);

public sealed class SignInTestsOnPostgres(PostgresServer f) : SignInTests<PostgresServer>(f);
