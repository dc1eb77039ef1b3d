using System.Globalization;
using System.Net;
using Kindred.Server.Features.Admin;
using Kindred.Server.Tests.Groups;
using Kindred.Server.Tests.TestRig;

namespace Kindred.Server.Tests.Foundation;

/// <summary>Times on every page are shown in the member's own time zone, or the instance's for everyone else.</summary>
public abstract class TimeZoneTests<T>(T fixture) : IClassFixture<T> where T : ServerFixture
{
    private KindredTestServer Server => fixture.Server;

    private static string Expected(DateTimeOffset utc, string zone) =>
        TimeZoneInfo.ConvertTime(utc, TimeZoneInfo.FindSystemTimeZoneById(zone)).ToString("dd MMM yyyy HH:mm", CultureInfo.InvariantCulture);

    /// <summary>The time shown for the thread on the group page and on the thread page.</summary>
    private static async Task<(string List, string Thread)> ShownAsync(WebSession web, string slug, Guid thread)
    {
        var group = await web.GetAsync($"/groups/{slug}");
        var list = group.Document.QuerySelectorAll(".thread-list li").Single(li => li.QuerySelector($"a[href='/threads/{thread}']") is not null && li.Closest("section[aria-labelledby='threads-title']") is not null);
        var page = await web.GetAsync($"/threads/{thread}");
        return (list.QuerySelector("time")!.TextContent.Trim(), page.Document.QuerySelector("article time, .thread time")!.TextContent.Trim());
    }

    [Fact]
    public async Task Members_choose_their_time_zone_and_everyone_else_sees_the_instances()
    {
        var settings = Server.Get<InstanceSettings>();
        var before = await settings.GetAsync();
        var rig = new GroupRig(Server);
        var owner = await rig.AdminAsync();
        var slug = await rig.GroupAsync(owner);
        var thread = await rig.ThreadAsync(owner, slug, "What time is it?");
        var created = (await rig.JsonAsync(HttpMethod.Get, $"/api/v1/threads/{thread}", owner.Token)).GetProperty("thread").GetProperty("createdAt").GetDateTimeOffset();
        using var visitor = Server.NewSession();

        // The instance's zone (UTC unless the admin chooses) for people who have not chosen one.
        var (list, page) = await ShownAsync(visitor, slug, thread);
        Assert.StartsWith(Expected(created, "UTC"), list, StringComparison.Ordinal);
        Assert.StartsWith(Expected(created, "UTC"), page, StringComparison.Ordinal);

        // A member chooses theirs on the account page.
        var member = await rig.MemberAsync();
        var account = await member.Web.GetAsync("/account");
        Assert.NotNull(account.Document.QuerySelector("select#timeZone option[value='Asia/Kolkata']"));
        var saved = await member.Web.SubmitAsync(account, "/account/time-zone", new Dictionary<string, string> { ["timeZone"] = "Asia/Kolkata" });
        Assert.Equal(HttpStatusCode.Redirect, saved.StatusCode);
        (list, page) = await ShownAsync(member.Web, slug, thread);
        Assert.StartsWith(Expected(created, "Asia/Kolkata"), list, StringComparison.Ordinal);
        Assert.StartsWith(Expected(created, "Asia/Kolkata"), page, StringComparison.Ordinal);
        Assert.Equal("Asia/Kolkata", (await member.Web.GetAsync("/account")).Document.QuerySelector("select#timeZone option[selected]")?.GetAttribute("value"));

        // The admin sets the instance's zone: visitors follow it, the member keeps their own.
        using var admin = Server.NewSession();
        await Accounts.SignInAsync(admin, owner.Name);
        var form = await admin.GetAsync("/admin");
        Assert.Equal(HttpStatusCode.Redirect, (await admin.SubmitAsync(form, "/admin/settings", new Dictionary<string, string>
        {
            ["instanceName"] = before.InstanceName,
            ["description"] = before.Description,
            ["registrationMode"] = before.RegistrationMode,
            ["guidelines"] = before.Guidelines,
            ["contact"] = "",
            ["timeZone"] = "America/New_York",
        })).StatusCode);
        (list, _) = await ShownAsync(visitor, slug, thread);
        Assert.StartsWith(Expected(created, "America/New_York"), list, StringComparison.Ordinal);
        (list, _) = await ShownAsync(member.Web, slug, thread);
        Assert.StartsWith(Expected(created, "Asia/Kolkata"), list, StringComparison.Ordinal);

        // Back to the community's zone.
        account = await member.Web.GetAsync("/account");
        await member.Web.SubmitAsync(account, "/account/time-zone", new Dictionary<string, string> { ["timeZone"] = "" });
        (list, _) = await ShownAsync(member.Web, slug, thread);
        Assert.StartsWith(Expected(created, "America/New_York"), list, StringComparison.Ordinal);
        await settings.SaveAsync(before);
    }

    [Fact]
    public async Task An_unknown_time_zone_is_refused()
    {
        var member = await new GroupRig(Server).MemberAsync();
        var account = await member.Web.GetAsync("/account");
        var response = await member.Web.SubmitAsync(account, "/account/time-zone", new Dictionary<string, string> { ["timeZone"] = "Mars/Olympus_Mons" });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.NotNull((await WebSession.ParseAsync(response)).Document.QuerySelector("#timeZone-error"));
    }
}

public sealed class TimeZoneTestsOnSqlite(SqliteServer f) : TimeZoneTests<SqliteServer>(f);

public sealed class TimeZoneTestsOnPostgres(PostgresServer f) : TimeZoneTests<PostgresServer>(f);
