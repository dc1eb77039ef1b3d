using System.Net;
using Kindred.Server.Tests.TestRig;

namespace Kindred.Server.Tests.Foundation;

/// <summary>
/// When the database is gone, the urgent help page still lists helplines (for members signed in or not), and every
/// other page fails with a themed page that points to it; API clients get problem details.
/// </summary>
public abstract class DatabaseOutageTests
{
    protected abstract DatabaseKind Kind { get; }

    private async Task<KindredTestServer> StartAsync(Action<Dictionary<string, string?>>? configure = null)
    {
        if (Kind == DatabaseKind.Postgres && await PostgresCluster.UnavailableAsync() is { } reason)
        {
            if (PostgresCluster.Required)
            {
                throw new InvalidOperationException("KINDRED_REQUIRE_POSTGRES=1 but " + reason);
            }

            Assert.Skip(reason);
        }

        return await KindredTestServer.StartAsync(Kind, configure);
    }

    [Fact]
    public async Task The_urgent_help_page_lists_helplines_while_the_database_is_down()
    {
        await using var server = await StartAsync(s =>
        {
            s["Kindred:Helplines:0:Name"] = "Samaritans";
            s["Kindred:Helplines:0:Phone"] = "116 123";
        });
        using var member = server.NewSession();
        await Accounts.SignInAsync(member, await Accounts.RegisterAsync(server));
        using var visitor = server.NewSession();
        await DatabaseOutage.BreakAsync(server);

        foreach (var session in new[] { member, visitor })
        {
            var response = await ErrorResponses.SendAsync(session, HttpMethod.Get, "/help/urgent", ErrorResponses.BrowserAccept);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var page = await WebSession.ParseAsync(response);
            Assert.Contains("not a crisis service", page.Document.Body!.TextContent, StringComparison.Ordinal);
            Assert.Contains("Emergency services", page.Text("main"), StringComparison.Ordinal);
            Assert.NotNull(page.Document.QuerySelector("a[href='tel:116123']"));
        }
    }

    [Fact]
    public async Task A_page_that_fails_is_a_themed_page_for_browsers_and_problem_details_for_the_api()
    {
        await using var server = await StartAsync();
        var name = await Accounts.RegisterAsync(server);
        var token = await Accounts.TokenAsync(server, name);
        using var member = server.NewSession();
        await Accounts.SignInAsync(member, name);
        await DatabaseOutage.BreakAsync(server);

        await ErrorResponses.AssertThemedPageAsync(
            await ErrorResponses.SendAsync(member, HttpMethod.Get, "/groups", ErrorResponses.BrowserAccept), HttpStatusCode.InternalServerError);
        using var anonymous = server.NewSession();
        await ErrorResponses.AssertThemedPageAsync(
            await ErrorResponses.SendAsync(anonymous, HttpMethod.Get, "/groups", ErrorResponses.BrowserAccept), HttpStatusCode.InternalServerError);

        using var api = server.NewSession();
        var response = await api.GetWithTokenAsync("/api/v1/groups", token);
        await ErrorResponses.AssertProblemAsync(response, HttpStatusCode.InternalServerError);
    }
}

public sealed class DatabaseOutageTestsOnSqlite : DatabaseOutageTests
{
    protected override DatabaseKind Kind => DatabaseKind.Sqlite;
}

public sealed class DatabaseOutageTestsOnPostgres : DatabaseOutageTests
{
    protected override DatabaseKind Kind => DatabaseKind.Postgres;
}
