using System.Net;
using System.Text.Json.Nodes;
using Dapper;
using Kindred.Server.Data;
using Kindred.Server.Federation.RemoteGroups;
using Kindred.Server.Tests.TestRig;
using static Kindred.Server.Tests.RemoteGroups.RemoteGroupRig;

namespace Kindred.Server.Tests.RemoteGroups;

/// <summary>
/// Issue 11.9: a group on another server does not look empty after joining. When it accepts the first member here (and
/// when a member asks on its page), its featured collection and outbox are read, bounded and from its own origin only,
/// and what they hold becomes threads through the same path as Announces. Payloads are Lemmy's and Mbin's recorded
/// shapes (Fixtures/recorded, see its SOURCES.md), with their hosts moved to the loopback peer.
/// </summary>
public abstract class BackfillTests<T>(T fixture) : IClassFixture<T> where T : ServerFixture
{
    private RemoteGroupRig Rig => new(fixture.Server);

    [Fact]
    public async Task Joining_a_Lemmy_community_fetches_its_recent_threads_from_its_outbox()
    {
        using var group = new FakeGroupServer("testcom", "/c/testcom");
        group.Serve("/c/testcom/outbox", Recorded("lemmy/collections/group_outbox.json", group, "ds9.lemmy.ml"));
        var rig = Rig;

        await rig.JoinedMemberAsync(group);
        await BackfilledAsync(rig, group);

        Assert.Equal("another outbox test", (await rig.ThreadAsync(group.Id("/post/2328")))!.Title);
        Assert.Equal("outbox test", (await rig.ThreadAsync(group.Id("/post/2327")))!.Title);
        // Read from the group's server, not sent by it: nothing is counted as dropped.
        Assert.Equal(0L, await rig.ScalarAsync<long>("SELECT COUNT(*) FROM dropped_activities WHERE server = @s", new { s = group.Origin.Authority }));
    }

    [Fact]
    public async Task Featured_posts_of_a_Lemmy_community_are_fetched_too()
    {
        using var group = new FakeGroupServer("main", "/c/main");
        group.ChangeGroupLink("featured", group.Id("/c/main/featured"));
        group.Serve("/c/main/featured", Recorded("lemmy/collections/group_featured_posts.json", group, "ds9.lemmy.ml"));
        var rig = Rig;

        await rig.JoinedMemberAsync(group);
        await BackfilledAsync(rig, group);

        Assert.Equal("test 2", (await rig.ThreadAsync(group.Id("/post/2")))!.Title);
        Assert.Equal("test 1", (await rig.ThreadAsync(group.Id("/post/1")))!.Title);
        Assert.Equal(1, group.Fetches("/c/main/outbox"));
    }

    [Fact]
    public async Task A_paged_Mbin_outbox_is_read_page_by_page_up_to_the_item_limit()
    {
        using var group = new FakeGroupServer("test", "/m/test");
        // Mastodon-style paging: the collection points at its first page, each page at the next.
        group.Serve("/m/test/outbox", new JsonObject
        {
            ["@context"] = "https://www.w3.org/ns/activitystreams", ["id"] = group.Id("/m/test/outbox").AbsoluteUri, ["type"] = "OrderedCollection",
            ["totalItems"] = 90, ["first"] = group.Id("/m/test/outbox/1").AbsoluteUri,
        });
        for (var page = 1; page <= 3; page++)
        {
            var items = new JsonArray();
            for (var i = 0; i < 30; i++)
            {
                items.Add(MbinEntry(group, $"{page}-{i}"));
            }

            var doc = new JsonObject
            {
                ["@context"] = "https://www.w3.org/ns/activitystreams", ["id"] = group.Id($"/m/test/outbox/{page}").AbsoluteUri, ["type"] = "OrderedCollectionPage",
                ["partOf"] = group.Id("/m/test/outbox").AbsoluteUri, ["orderedItems"] = items,
            };
            if (page < 3)
            {
                doc["next"] = group.Id($"/m/test/outbox/{page + 1}").AbsoluteUri;
            }

            group.Serve($"/m/test/outbox/{page}", doc);
        }

        var rig = Rig;
        await rig.JoinedMemberAsync(group);
        await BackfilledAsync(rig, group);

        Assert.Equal("test", (await rig.ThreadAsync(group.Id("/m/test/t/1-0")))!.Title);
        Assert.NotNull(await rig.ThreadAsync(group.Id("/m/test/t/2-9")));
        Assert.Null(await rig.ThreadAsync(group.Id("/m/test/t/2-10")));
        Assert.Equal((long)RemoteGroupBackfill.MaxItems,
            await rig.ScalarAsync<long>("SELECT COUNT(*) FROM threads WHERE ap_id LIKE @prefix", new { prefix = group.Id("/m/test/t/").AbsoluteUri + "%" }));
        Assert.Equal(0, group.Fetches("/m/test/outbox/3"));
    }

    [Fact]
    public async Task An_outbox_on_another_origin_is_never_fetched()
    {
        using var group = new FakeGroupServer();
        using var elsewhere = new FakeGroupServer("other", "/c/other");
        group.ChangeGroupLink("outbox", elsewhere.Id("/c/carers/outbox"));
        var rig = Rig;

        await rig.JoinedMemberAsync(group);
        await BackfilledAsync(rig, group);

        Assert.Equal(0, elsewhere.Fetches("/c/carers/outbox"));
    }

    [Fact]
    public async Task A_member_can_ask_again_from_the_group_page_but_not_twice_in_a_row()
    {
        using var group = new FakeGroupServer("testcom", "/c/testcom");
        var rig = Rig;
        var member = await rig.JoinedMemberAsync(group);
        await BackfilledAsync(rig, group);
        Assert.Null(await rig.ThreadAsync(group.Id("/post/2328")));

        // The community has threads now; the member asks for them from the group's page once the join's backfill is
        // older than the cooldown (moved back here rather than waiting ten minutes).
        await using (var c = await rig.Server.Get<Database>().OpenAsync())
        {
            await c.ExecuteAsync("UPDATE jobs SET created_at = @t WHERE kind = 'remote-groups.backfill'", new { t = DateTimeOffset.UtcNow.AddHours(-1) });
        }

        group.Serve("/c/testcom/outbox", Recorded("lemmy/collections/group_outbox.json", group, "ds9.lemmy.ml"));
        var page = await member.Web.GetAsync($"/groups/{group.Address}");
        Assert.NotNull(page.Document.QuerySelector($"form[action='/groups/{group.Address}/backfill']"));
        var asked = await member.Web.SubmitAsync(page, $"/groups/{group.Address}/backfill", new Dictionary<string, string>());
        Assert.Equal(HttpStatusCode.Redirect, asked.StatusCode);
        Assert.Equal($"/groups/{group.Address}?notice=backfill-requested", asked.Headers.Location!.OriginalString);
        await Eventually.UntilAsync("the outbox's threads are stored", async () => await rig.ThreadAsync(group.Id("/post/2328")) is not null);

        var again = await member.Web.SubmitAsync($"/groups/{group.Address}", $"/groups/{group.Address}/backfill", new Dictionary<string, string>());
        Assert.Equal($"/groups/{group.Address}?notice=backfill-recent", again.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task Someone_who_is_not_a_member_cannot_ask()
    {
        using var group = new FakeGroupServer();
        var rig = Rig;
        await rig.JoinedMemberAsync(group);
        var stranger = await rig.Groups.MemberAsync();
        // The page offers them no such form; a hand-made one (with a valid token) is answered as for a group they cannot see.
        var page = await stranger.Web.GetAsync("/groups");
        var token = page.Form("/groups/join-remote").QuerySelectorAll("input[type=hidden]").OfType<AngleSharp.Html.Dom.IHtmlInputElement>()
            .Select(i => new KeyValuePair<string, string>(i.Name!, i.Value)).ToList();
        var asked = await stranger.Web.Http.PostAsync($"/groups/{group.Address}/backfill", new FormUrlEncodedContent(token));
        Assert.Equal(HttpStatusCode.NotFound, asked.StatusCode);
        Assert.Equal(1L, await rig.ScalarAsync<long>("SELECT COUNT(*) FROM jobs WHERE kind = 'remote-groups.backfill' AND dedupe_key IN (SELECT CAST(id AS TEXT) FROM groups WHERE ap_id = @ap)",
            new { ap = group.GroupId.AbsoluteUri }));
    }

    /// <summary>Waits until every backfill job of <paramref name="group"/> has finished.</summary>
    private static async Task BackfilledAsync(RemoteGroupRig rig, FakeGroupServer group)
    {
        await using var c = await rig.Server.Get<Database>().OpenAsync();
        const string Sql = """
            SELECT COUNT(*) FROM jobs j JOIN groups g ON j.dedupe_key = CAST(g.id AS TEXT)
            WHERE j.kind = 'remote-groups.backfill' AND g.ap_id = @ap AND j.state IN ('done', 'failed')
              AND NOT EXISTS (SELECT 1 FROM jobs k WHERE k.kind = j.kind AND k.dedupe_key = j.dedupe_key AND k.state IN ('queued', 'running'))
            """;
        await Eventually.UntilAsync("the backfill job finished", async () => await c.ExecuteScalarAsync<long>(Sql, new { ap = group.GroupId.AbsoluteUri }) > 0);
    }

    /// <summary>Mbin's recorded Announce(Create(Page)) with its scrubbed ids and dates filled in.</summary>
    private static JsonObject MbinEntry(FakeGroupServer group, string n)
    {
        var announce = Recorded("mbin/outbox-snapshots/AnnounceTest__testAnnounceCreateEntry__1.json", group, "kbin.test");
        announce["id"] = group.Id($"/activities/announce/{n}").AbsoluteUri;
        announce["published"] = "2026-01-01T00:00:00Z";
        var create = announce["object"]!.AsObject();
        create["id"] = group.Id($"/activities/create/{n}").AbsoluteUri;
        create["published"] = "2026-01-01T00:00:00Z";
        create["object"]!["id"] = group.Id($"/m/test/t/{n}").AbsoluteUri;
        create["object"]!["published"] = "2026-01-01T00:00:00Z";
        return announce;
    }
}

public sealed class BackfillTestsOnSqlite(FederatedSqliteServer f) : BackfillTests<FederatedSqliteServer>(f);

public sealed class BackfillTestsOnPostgres(FederatedPostgresServer f) : BackfillTests<FederatedPostgresServer>(f);
