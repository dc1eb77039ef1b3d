using System.Net;
using Kindred.Server.Features.Admin;
using Kindred.Server.Tests.TestRig;
using Kindred.Server.Web;

namespace Kindred.Server.Tests.Foundation;

/// <summary>The registration form, as a person without JavaScript uses it.</summary>
public abstract class WebRegistrationTests<T>(T fixture) : IClassFixture<T> where T : ServerFixture
{
    private KindredTestServer Server => fixture.Server;

    private async Task SetModeAsync(string mode)
    {
        var settings = Server.Get<InstanceSettings>();
        await settings.SaveAsync(await settings.GetAsync() with { RegistrationMode = mode });
    }

    /// <summary>Every field the form needs, filled in as a person who agrees to everything would.</summary>
    private static Dictionary<string, string> CompleteForm(string name) => new()
    {
        ["username"] = name,
        ["email"] = $"{name}@example.org",
        ["password"] = Accounts.Password,
        ["acceptGuidelines"] = "true",
        ["consentToProcessing"] = "true",
        ["confirmAge"] = "true",
    };

    [Fact]
    public async Task Registering_with_consent_signs_the_member_in()
    {
        await SetModeAsync("open");
        using var session = Server.NewSession();
        var name = Accounts.UniqueName();
        var response = await session.SubmitAsync("/register", "/register", CompleteForm(name));
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var home = await session.FollowAsync(response);
        Assert.Contains("Welcome", home.Text("[role=status]"));
        Assert.Contains(name, home.Text("header nav"));
    }

    [Fact]
    public async Task A_failed_form_shows_errors_next_to_the_fields_and_keeps_what_was_typed()
    {
        await SetModeAsync("open");
        using var session = Server.NewSession();
        var name = Accounts.UniqueName();
        var response = await session.SubmitAsync("/register", "/register", new Dictionary<string, string>
        {
            ["username"] = name,
            ["email"] = $"{name}@example.org",
            ["password"] = "short",
            ["acceptGuidelines"] = "true",
        });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var page = await WebSession.ParseAsync(response);
        var doc = page.Document;
        Assert.Equal(name, doc.QuerySelector("#username")?.GetAttribute("value"));
        Assert.Equal($"{name}@example.org", doc.QuerySelector("#email")?.GetAttribute("value"));
        Assert.True(doc.QuerySelector("#acceptGuidelines")?.HasAttribute("checked"));
        Assert.Null(doc.QuerySelector("#password")?.GetAttribute("value")); // passwords are never echoed back

        foreach (var field in new[] { "password", "consentToProcessing", "confirmAge" })
        {
            var input = doc.QuerySelector($"#{field}")!;
            Assert.Equal("true", input.GetAttribute("aria-invalid"));
            Assert.Contains($"{field}-error", input.GetAttribute("aria-describedby") ?? "");
            Assert.NotNull(doc.QuerySelector($"#{field}-error"));
        }

        var summaryLinks = doc.QuerySelectorAll(".error-summary a").Select(a => a.GetAttribute("href")).ToList();
        Assert.Contains("#consentToProcessing", summaryLinks);
        Assert.Null(await Server.Get<Features.Accounts.UserStore>().FindByUsernameAsync(name));
    }

    [Fact]
    public async Task Approval_mode_tells_the_person_to_wait_and_an_admin_approves_from_the_queue()
    {
        await SetModeAsync("approval");
        using var session = Server.NewSession();
        var name = Accounts.UniqueName();
        var response = await session.SubmitAsync("/register", "/register", new Dictionary<string, string>(CompleteForm(name))
        {
            ["reason"] = "My mum has dementia and I need people who get it.",
        });
        var page = await session.FollowAsync(response);
        Assert.Contains("waiting for an admin", page.Text("[role=status]"));

        var signIn = await session.SubmitAsync("/signin", "/signin", new Dictionary<string, string> { ["username"] = name, ["password"] = Accounts.Password });
        Assert.Contains("waiting for an admin", (await WebSession.ParseAsync(signIn)).Text("[role=alert]"));

        var admin = await Accounts.CreateWithCliAsync(Server, "admin");
        using var adminSession = Server.NewSession();
        await Accounts.SignInAsync(adminSession, admin);
        var queue = await adminSession.GetAsync("/admin/registrations");
        Assert.Contains("My mum has dementia", queue.Text(".queue"));
        var user = await Server.Get<Features.Accounts.UserStore>().FindByUsernameAsync(name);
        var approved = await adminSession.SubmitAsync(queue, $"/admin/registrations/{user!.Id}/approve", new Dictionary<string, string>());
        Assert.Equal(HttpStatusCode.Redirect, approved.StatusCode);

        await Accounts.SignInAsync(session, name);
        await SetModeAsync("open");
    }

    [Fact]
    public async Task Closed_mode_says_so_and_refuses_posts()
    {
        await SetModeAsync("closed");
        using var session = Server.NewSession();
        var page = await session.GetAsync("/register");
        Assert.Contains("not accepting new members", page.Text("main"));
        Assert.Empty(page.Document.QuerySelectorAll("form[action='/register']"));
        await SetModeAsync("open");
    }
}

public sealed class WebRegistrationTestsOnSqlite(SqliteServer f) : WebRegistrationTests<SqliteServer>(f);

public sealed class WebRegistrationTestsOnPostgres(PostgresServer f) : WebRegistrationTests<PostgresServer>(f);
