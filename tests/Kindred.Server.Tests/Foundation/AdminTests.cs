using System.Net;
using Kindred.Server.Features.Admin;
using Kindred.Server.Tests.TestRig;
using Kindred.Server.Web;

namespace Kindred.Server.Tests.Foundation;

/// <summary>Admin pages: only admins get in; settings and invites work through the forms.</summary>
public abstract class AdminTests<T>(T fixture) : IClassFixture<T> where T : ServerFixture
{
    private KindredTestServer Server => fixture.Server;

    [Fact]
    public async Task Only_admins_reach_the_admin_pages()
    {
        using var anonymous = Server.NewSession();
        var redirect = await anonymous.Http.GetAsync("/admin");
        Assert.Equal(HttpStatusCode.Redirect, redirect.StatusCode);
        Assert.StartsWith("/signin", redirect.Headers.Location!.PathAndQuery);

        var member = await Accounts.RegisterAsync(Server);
        using var memberSession = Server.NewSession();
        await Accounts.SignInAsync(memberSession, member);
        var denied = await memberSession.Http.GetAsync("/admin/registrations");
        Assert.Equal(HttpStatusCode.Redirect, denied.StatusCode);
        Assert.StartsWith("/forbidden", denied.Headers.Location!.PathAndQuery);
        Assert.Equal(HttpStatusCode.Forbidden, (await memberSession.FollowAsync(denied)).Status);
        Assert.Empty((await memberSession.GetAsync("/")).Document.QuerySelectorAll("a[href='/admin']"));
    }

    [Fact]
    public async Task An_admin_created_on_the_command_line_signs_in_on_the_web_and_gets_an_api_token()
    {
        var admin = await Accounts.CreateWithCliAsync(Server, "admin");
        using var session = Server.NewSession();
        await Accounts.SignInAsync(session, admin);
        var home = await session.GetAsync("/");
        Assert.NotNull(home.Document.QuerySelector("header a[href='/admin']"));
        Assert.NotEmpty(await Accounts.TokenAsync(Server, admin));
    }

    [Fact]
    public async Task Instance_settings_are_validated_then_saved_and_guideline_changes_get_a_new_version()
    {
        var admin = await Accounts.CreateWithCliAsync(Server, "admin");
        using var session = Server.NewSession();
        await Accounts.SignInAsync(session, admin);
        var before = await Server.Get<InstanceSettings>().GetAsync();

        var invalid = await session.SubmitAsync("/admin", "/admin/settings", new Dictionary<string, string>
        {
            ["instanceName"] = "",
            ["registrationMode"] = "everyone",
            ["guidelines"] = before.Guidelines,
        });
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        var page = await WebSession.ParseAsync(invalid);
        Assert.NotNull(page.Document.QuerySelector("#instanceName-error"));

        var saved = await session.SubmitAsync("/admin", "/admin/settings", new Dictionary<string, string>
        {
            ["instanceName"] = "Carers Together",
            ["description"] = "Peer support for unpaid carers.",
            ["registrationMode"] = before.RegistrationMode,
            ["guidelines"] = before.Guidelines + "\n\n- Be patient with newcomers.",
        });
        Assert.Equal(HttpStatusCode.Redirect, saved.StatusCode);
        var home = await session.GetAsync("/");
        Assert.Equal("Carers Together", home.Text(".site-name"));
        var guidelines = await session.GetAsync("/guidelines");
        Assert.Contains("Be patient with newcomers", guidelines.Text(".prose"));
        Assert.Equal($"Version v{before.GuidelinesVersion + 1}", guidelines.Text(".meta"));
    }

    [Fact]
    public async Task Hostile_text_in_settings_is_escaped_and_guidelines_markdown_is_sanitised()
    {
        var admin = await Accounts.CreateWithCliAsync(Server, "admin");
        using var session = Server.NewSession();
        await Accounts.SignInAsync(session, admin);
        var before = await Server.Get<InstanceSettings>().GetAsync();
        var saved = await session.SubmitAsync("/admin", "/admin/settings", new Dictionary<string, string>
        {
            ["instanceName"] = "<script>alert(1)</script>Kind",
            ["description"] = "\"><img src=x onerror=alert(1)>",
            ["registrationMode"] = before.RegistrationMode,
            ["guidelines"] = "[click](javascript:alert(1)) <script>alert(2)</script> <b onclick=\"x()\">bold</b>",
        });
        Assert.Equal(HttpStatusCode.Redirect, saved.StatusCode);
        foreach (var path in new[] { "/", "/guidelines" })
        {
            var page = await session.GetAsync(path);
            Assert.Empty(page.Document.QuerySelectorAll("script"));
            Assert.Empty(page.Document.QuerySelectorAll("img"));
            Assert.DoesNotContain(page.Document.All, e => e.Attributes.Any(a => a.Name.StartsWith("on", StringComparison.Ordinal)));
            Assert.Empty(page.Document.QuerySelectorAll("a[href^='javascript']"));
            Assert.Contains("<script>alert(1)</script>Kind", page.Text(".site-name"));
        }

        await Server.Get<InstanceSettings>().SaveAsync(before);
    }

    [Fact]
    public async Task Admins_create_and_revoke_invites_from_the_web()
    {
        var admin = await Accounts.CreateWithCliAsync(Server, "admin");
        using var session = Server.NewSession();
        await Accounts.SignInAsync(session, admin);
        var created = await session.SubmitAsync("/admin/registrations", "/admin/invites", new Dictionary<string, string>
        {
            ["maxUses"] = "3",
            ["validDays"] = "7",
            ["note"] = "for the Tuesday group",
        });
        Assert.Equal(HttpStatusCode.Redirect, created.StatusCode);
        var page = await session.FollowAsync(created);
        var row = page.Document.QuerySelectorAll("tbody tr").First(r => r.TextContent.Contains("for the Tuesday group", StringComparison.Ordinal));
        var code = row.QuerySelector("code")!.TextContent;
        Assert.Matches("^[A-Z2-9]{12}$", code);
        Assert.Contains("0 of 3", row.TextContent);

        var revokeAction = row.QuerySelector("form")!.GetAttribute("action")!;
        var revoked = await session.SubmitAsync(page, revokeAction, new Dictionary<string, string>());
        Assert.Equal(HttpStatusCode.Redirect, revoked.StatusCode);
        var after = await session.FollowAsync(revoked);
        Assert.Contains("revoked", after.Document.QuerySelectorAll("tbody tr").First(r => r.TextContent.Contains(code, StringComparison.Ordinal)).TextContent);
    }
}

public sealed class AdminTestsOnSqlite(SqliteServer f) : AdminTests<SqliteServer>(f);

public sealed class AdminTestsOnPostgres(PostgresServer f) : AdminTests<PostgresServer>(f);
