using Kindred.Server.Federation.RemoteGroups;
using Kindred.Server.Tests.TestRig;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Time.Testing;

using Kindred.Server.Web;

namespace Kindred.Server.Tests.RemoteGroups;

/// <summary>
/// A remote group's row follows its home server: an Update(Group) from the group itself, or the scheduled refresh of
/// stale groups, fetches it again from its origin. Forged Updates change nothing; a group that answers 410 is marked gone.
/// The server runs on a fake clock that these tests never advance, so its own refresh worker (first pass one period
/// after start) never runs: each scheduled pass is the one a test runs.
/// </summary>
public abstract class RemoteGroupRefreshTests<T>(T fixture) : IClassFixture<T> where T : ServerFixture, IFakeClock
{
    private const string NewSummary = "<p>Now <b>also</b> for <a href=\"javascript:alert(1)\">friends</a><img src=x onerror=alert(2)></p>";

    private RemoteGroupRig Rig => new(fixture.Server);

    private Task<string> NameAsync(FakeGroupServer group) =>
        Rig.ScalarAsync<string>("SELECT name FROM groups WHERE ap_id = @id", new { id = group.GroupId.AbsoluteUri });

    private Task<string> DescriptionAsync(FakeGroupServer group) =>
        Rig.ScalarAsync<string>("SELECT description FROM groups WHERE ap_id = @id", new { id = group.GroupId.AbsoluteUri });

    /// <summary>A group elsewhere whose signatures are dated by the server's clock.</summary>
    private FakeGroupServer Group(string name = "carers", string path = "/c/carers") => new(name, path, clock: fixture.Clock);

    /// <summary>Makes the stored copy of <paramref name="group"/> two days old, as if it had not been fetched since.</summary>
    private async Task MakeStaleAsync(FakeGroupServer group)
    {
        var twoDaysAgo = fixture.Clock.GetUtcNow().AddDays(-2);
        await using var c = await fixture.Server.Get<Kindred.Server.Data.Database>().OpenAsync();
        await Dapper.SqlMapper.ExecuteAsync(c, "UPDATE groups SET refreshed_at = @twoDaysAgo WHERE ap_id = @id", new { twoDaysAgo, id = group.GroupId.AbsoluteUri });
    }

    /// <summary>One scheduled refresh pass, as the node's worker runs it.</summary>
    private Task<int> RefreshDueAsync() => fixture.Server.Get<RemoteGroupRefresher>().RefreshDueAsync(50, TestContext.Current.CancellationToken);

    [Fact]
    public async Task An_Update_of_the_group_by_itself_refetches_it_from_its_origin_and_stores_plain_text()
    {
        using var group = Group();
        var rig = Rig;
        var member = await rig.JoinedMemberAsync(group);
        Assert.Equal("Carers together", await NameAsync(group));

        group.ChangeGroup("Carers & friends", NewSummary);
        // The embedded copy says something else: only what the group's origin serves counts.
        await rig.DeliverAsync(group, group.UpdateOfGroup(group.GroupDocument("Embedded copy", "<p>embedded</p>")));

        Assert.Equal("Carers & friends", await NameAsync(group));
        var description = await DescriptionAsync(group);
        Assert.Equal("Now also for friends", description);
        var page = await member.Web.GetAsync($"/groups/{group.Address}");
        Assert.Equal("Carers & friends", page.Text("h1"));
        Assert.Contains("Now also for friends", page.Text(".lead"), StringComparison.Ordinal);
        Assert.Null(page.Document.QuerySelector("main img, main a[href^='javascript']"));
    }

    [Fact]
    public async Task A_Lemmy_style_Announce_of_an_Update_of_the_group_refetches_it()
    {
        using var group = Group();
        var rig = Rig;
        await rig.JoinedMemberAsync(group);
        group.ChangeGroup("Carers, renamed", "<p>New words</p>");
        var byModerator = Kindred.ActivityPub.Json.ActivityJson.Activity("Update", group.Id($"/activities/update/{Guid.NewGuid():N}"), group.PersonId,
            Kindred.ActivityPub.Json.ActivityJson.Embed(group.GroupDocument("Embedded copy", "<p>embedded</p>")));
        await rig.DeliverAsync(group, group.Announce(byModerator));
        Assert.Equal("Carers, renamed", await NameAsync(group));
        Assert.Equal("New words", await DescriptionAsync(group));
    }

    [Fact]
    public async Task An_Update_of_the_group_by_someone_else_or_from_another_origin_changes_nothing()
    {
        using var group = Group();
        using var other = Group("elsewhere", "/c/elsewhere");
        var rig = Rig;
        await rig.JoinedMemberAsync(group);
        group.ChangeGroup("Taken over", "<p>changed</p>");
        var fetches = group.GroupFetches;

        // A person on the group's own server, signing as themselves.
        var byPerson = Kindred.ActivityPub.Json.ActivityJson.Activity("Update", group.Id($"/activities/update/{Guid.NewGuid():N}"), group.PersonId,
            Kindred.ActivityPub.Json.ActivityJson.Embed(group.GroupDocument("Taken over", "<p>changed</p>")));
        await rig.DeliverIgnoredAsync(group, byPerson, asPerson: true);

        // Another server's group claiming to update ours.
        var fromElsewhere = other.UpdateOfGroup(group.GroupDocument("Taken over", "<p>changed</p>"));
        await rig.DeliverIgnoredAsync(other, fromElsewhere);

        Assert.Equal("Carers together", await NameAsync(group));
        Assert.Equal("For people caring for someone", await DescriptionAsync(group));
        Assert.Equal(fetches, group.GroupFetches);
    }

    [Fact]
    public async Task An_Update_of_a_group_nobody_here_joined_is_ignored()
    {
        using var group = Group();
        var rig = Rig;
        await rig.DeliverIgnoredAsync(group, group.UpdateOfGroup(group.GroupDocument("Unknown", "<p>x</p>")));
        Assert.Equal(0L, await rig.ScalarAsync<long>("SELECT COUNT(*) FROM groups WHERE ap_id = @id", new { id = group.GroupId.AbsoluteUri }));
    }

    [Fact]
    public async Task The_scheduled_refresh_updates_a_stale_group_and_leaves_a_fresh_one_alone()
    {
        using var stale = Group("stale", "/c/stale");
        using var fresh = Group("fresh", "/c/fresh");
        var rig = Rig;
        await rig.JoinedMemberAsync(stale);
        await rig.JoinedMemberAsync(fresh);
        stale.ChangeGroup("Stale, renamed", "<p>Fetched again</p>");
        fresh.ChangeGroup("Fresh, renamed", "<p>Not fetched</p>");
        await MakeStaleAsync(stale);
        var freshFetches = fresh.GroupFetches;

        await RefreshDueAsync();

        Assert.Equal("Stale, renamed", await NameAsync(stale));
        Assert.Equal("Fetched again", await DescriptionAsync(stale));
        Assert.Equal("Carers together", await NameAsync(fresh));
        Assert.Equal(freshFetches, fresh.GroupFetches);
        Assert.Equal(0L, await rig.ScalarAsync<long>("SELECT COUNT(*) FROM groups WHERE ap_id = @id AND refreshed_at < @dayAgo",
            new { id = stale.GroupId.AbsoluteUri, dayAgo = fixture.Clock.GetUtcNow().AddDays(-1) }));
    }

    [Fact]
    public async Task A_group_that_answers_410_is_marked_gone_shown_so_and_not_asked_again_at_once()
    {
        using var group = Group("removed", "/c/removed");
        var rig = Rig;
        var member = await rig.JoinedMemberAsync(group);
        var before = await member.Web.GetAsync($"/groups/{group.Address}");
        Assert.Null(before.Document.QuerySelector(".group-gone"));

        group.RemoveGroup();
        await MakeStaleAsync(group);
        await RefreshDueAsync();
        Assert.Equal(1, await rig.ScalarAsync<long>(
            "SELECT COUNT(*) FROM groups WHERE ap_id = @id AND gone_at IS NOT NULL", new { id = group.GroupId.AbsoluteUri }));

        var page = await member.Web.GetAsync($"/groups/{group.Address}");
        Assert.Contains("This group no longer exists on", page.Text(".group-gone"), StringComparison.Ordinal);
        Assert.Null(page.Document.QuerySelector($"a[href='/groups/{group.Address}/threads/new']"));
        var mine = await member.Web.GetAsync("/groups?mine=1");
        Assert.Contains("Removed on its server", mine.Text(".group-list"), StringComparison.Ordinal);

        // Backing off: another pass right away does not ask the server again.
        var fetches = group.GroupFetches;
        await RefreshDueAsync();
        Assert.Equal(fetches, group.GroupFetches);
    }
}

public sealed class RemoteGroupRefreshTestsOnSqlite(RefreshSqliteServer f) : RemoteGroupRefreshTests<RefreshSqliteServer>(f);

public sealed class RemoteGroupRefreshTestsOnPostgres(RefreshPostgresServer f) : RemoteGroupRefreshTests<RefreshPostgresServer>(f);

/// <summary>A server that may fetch from loopback (like <see cref="FederatedSqliteServer"/>), on a fake clock.</summary>
public sealed class RefreshSqliteServer : SqliteServer, IFakeClock
{
    public FakeTimeProvider Clock { get; } = FakeClock.StartingNow();

    protected override void Configure(Dictionary<string, string?> settings) => settings["Kindred:Federation:AllowPrivateAddresses"] = "true";

    protected override void ConfigureBuilder(WebApplicationBuilder builder) => FakeClock.Use(builder, Clock);
}

public sealed class RefreshPostgresServer : PostgresServer, IFakeClock
{
    public FakeTimeProvider Clock { get; } = FakeClock.StartingNow();

    protected override void Configure(Dictionary<string, string?> settings) => settings["Kindred:Federation:AllowPrivateAddresses"] = "true";

    protected override void ConfigureBuilder(WebApplicationBuilder builder) => FakeClock.Use(builder, Clock);
}
