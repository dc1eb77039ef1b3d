using System.Net;
using Kindred.Server.Features.Admin;
using Kindred.Server.Tests.Groups;
using Kindred.Server.Tests.TestRig;

namespace Kindred.Server.Tests.Foundation;

/// <summary>The home page says the right thing to a newcomer, to someone coming back, and to a visitor.</summary>
public abstract class HomePageTests<T>(T fixture) : IClassFixture<T> where T : ServerFixture
{
    private KindredTestServer Server => fixture.Server;

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
    public async Task A_newcomer_is_welcomed_not_welcomed_back_and_someone_without_groups_is_not_told_about_their_groups_threads()
    {
        var settings = Server.Get<InstanceSettings>();
        await settings.SaveAsync(await settings.GetAsync() with { RegistrationMode = "open" });
        var name = Accounts.UniqueName("newcomer");
        using var web = Server.NewSession();
        var registered = await web.SubmitAsync("/register", "/register", CompleteForm(name));
        var home = await web.FollowAsync(registered);
        var main = home.Text("main");
        Assert.Contains($"Welcome, {name}", main, StringComparison.Ordinal);
        Assert.DoesNotContain("Welcome back", main, StringComparison.Ordinal);
        Assert.DoesNotContain("Every thread in your groups has had a reply", main, StringComparison.Ordinal);

        // Coming back later is "welcome back".
        Assert.Equal(HttpStatusCode.Redirect, (await web.SubmitAsync("/signout", "/signout", new Dictionary<string, string>())).StatusCode);
        await Accounts.SignInAsync(web, name);
        Assert.Contains($"Welcome back, {name}", (await web.GetAsync("/")).Text("main"), StringComparison.Ordinal);

        // With a group whose threads all have answers, that is said.
        var rig = new GroupRig(Server);
        var admin = await rig.AdminAsync();
        var slug = await rig.GroupAsync(admin);
        var token = await Accounts.TokenAsync(Server, name);
        await rig.JsonAsync(HttpMethod.Post, $"/api/v1/groups/{slug}/membership", token, new { }, HttpStatusCode.Created);
        Assert.Contains("Every thread in your groups has had a reply", (await web.GetAsync("/")).Text("main"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_visitors_home_page_does_not_repeat_the_description()
    {
        var settings = Server.Get<InstanceSettings>();
        var before = await settings.GetAsync();
        using var web = Server.NewSession();
        foreach (var description in new[] { before.Description, "A peer-support community for unpaid carers." })
        {
            await settings.SaveAsync(before with { Description = description });
            var main = (await web.GetAsync("/")).Text("main");
            Assert.Single(System.Text.RegularExpressions.Regex.Matches(main, "peer-support community", System.Text.RegularExpressions.RegexOptions.IgnoreCase));
            Assert.Contains(description, main, StringComparison.Ordinal);
        }

        await settings.SaveAsync(before);
    }
}

public sealed class HomePageTestsOnSqlite(SqliteServer f) : HomePageTests<SqliteServer>(f);

public sealed class HomePageTestsOnPostgres(PostgresServer f) : HomePageTests<PostgresServer>(f);
