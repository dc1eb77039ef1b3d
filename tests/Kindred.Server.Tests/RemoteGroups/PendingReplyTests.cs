using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dapper;
using Kindred.Server.Data;
using Kindred.Server.Tests.TestRig;
using Kindred.Server.Web;

namespace Kindred.Server.Tests.RemoteGroups;

/// <summary>
/// Issue 16, missing parents: a reply from a group elsewhere whose parent we do not hold is fetched with its chain; when
/// that fails it waits (counted for admins) and is tried again, at once when the parent arrives, and is counted as
/// dropped only after the last try. Never silently lost.
/// </summary>
public abstract class PendingReplyTests<T>(T fixture) : IClassFixture<T> where T : ServerFixture
{
    private RemoteGroupRig Rig => new(fixture.Server);

    [Fact]
    public async Task A_missing_parent_chain_is_fetched_from_its_origin()
    {
        using var group = new FakeGroupServer();
        var rig = Rig;
        await rig.JoinedMemberAsync(group);
        // The thread and the first reply exist only on the group's server; we receive only the second reply.
        var thread = Post(group, "/post/chain", "Page", "<p>Evenings</p>", name: "Evenings");
        var first = Post(group, "/comment/chain-1", "Note", "<p>Same here</p>", inReplyTo: group.Id("/post/chain"));
        group.Serve("/post/chain", thread);
        group.Serve("/comment/chain-1", first);

        await rig.DeliverAsync(group, group.Announce(Create(group, "/comment/chain-2", Post(group, "/comment/chain-2", "Note", "<p>Thank you</p>", inReplyTo: group.Id("/comment/chain-1")))));

        var stored = await rig.ThreadAsync(group.Id("/post/chain"));
        Assert.Equal("Evenings", stored!.Title);
        var reply = await rig.ReplyAsync(group.Id("/comment/chain-2"));
        Assert.Equal(stored.Id, reply!.ThreadId);
        Assert.Equal((await rig.ReplyAsync(group.Id("/comment/chain-1")))!.Id, reply.InReplyTo);
    }

    [Fact]
    public async Task A_reply_whose_parent_cannot_be_fetched_waits_is_counted_for_admins_and_is_stored_when_the_parent_arrives()
    {
        using var group = new FakeGroupServer();
        var rig = Rig;
        await rig.JoinedMemberAsync(group);
        var admin = await rig.Groups.AdminAsync();

        // The parent answers 404 for now (not yet visible on its server, or a server having trouble).
        var reply = Post(group, "/comment/early", "Note", "<p>I know that feeling</p>", inReplyTo: group.Id("/post/late"));
        await rig.DeliverAsync(group, group.Announce(Create(group, "/comment/early", reply)));

        Assert.Null(await rig.ReplyAsync(group.Id("/comment/early")));
        Assert.Equal(1L, await rig.ScalarAsync<long>("SELECT COUNT(*) FROM pending_replies WHERE ap_id = @id", new { id = group.Id("/comment/early").AbsoluteUri }));
        var api = await admin.Web.GetWithTokenAsync("/api/v1/admin/federation/dropped", admin.Token);
        var waiting = (await api.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("waitingForParent").EnumerateArray()
            .Select(w => (w.GetProperty("server").GetString(), w.GetProperty("count").GetInt64())).ToList();
        Assert.Contains((group.Origin.Authority, 1L), waiting);
        Assert.DoesNotContain((await DroppedAsync(admin)), r => r.Server == group.Origin.Authority);
        var page = await admin.Web.GetAsync("/admin/federation/dropped");
        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Contains(group.Origin.Authority, page.Text("table.waiting"), StringComparison.Ordinal);

        // The parent arrives: the waiting reply is stored under it without waiting for its next try.
        await rig.DeliverAsync(group, group.Announce(Create(group, "/post/late", Post(group, "/post/late", "Page", "<p>Hard week</p>", name: "Hard week"))));
        await Eventually.UntilAsync("the waiting reply is stored", async () => await rig.ReplyAsync(group.Id("/comment/early")) is not null);
        Assert.Equal((await rig.ThreadAsync(group.Id("/post/late")))!.Id, (await rig.ReplyAsync(group.Id("/comment/early")))!.ThreadId);
        await Eventually.UntilAsync("it waits no more", async () =>
            await rig.ScalarAsync<long>("SELECT COUNT(*) FROM pending_replies WHERE ap_id = @id", new { id = group.Id("/comment/early").AbsoluteUri }) == 0);
    }

    [Fact]
    public async Task A_reply_whose_parent_never_arrives_is_counted_as_dropped_after_the_last_try()
    {
        using var group = new FakeGroupServer();
        var rig = Rig;
        await rig.JoinedMemberAsync(group);
        var admin = await rig.Groups.AdminAsync();
        await rig.DeliverAsync(group, group.Announce(Create(group, "/comment/orphan", Post(group, "/comment/orphan", "Note", "<p>Hello?</p>", inReplyTo: group.Id("/post/never")))));
        var id = await rig.ScalarAsync<string>("SELECT CAST(id AS TEXT) FROM pending_replies WHERE ap_id = @ap", new { ap = group.Id("/comment/orphan").AbsoluteUri });

        // Its earlier tries are spent (rather than waiting eight hours): the next one is the last.
        await using (var c = await rig.Server.Get<Database>().OpenAsync())
        {
            await c.ExecuteAsync("UPDATE jobs SET attempts = max_attempts - 1, next_attempt_at = @past WHERE kind = 'federation.pending-reply' AND dedupe_key = @id",
                new { past = DateTimeOffset.UnixEpoch, id });
        }

        fixture.Server.Get<Kindred.Server.Data.Jobs.JobSignal>().Wake();
        await Eventually.UntilAsync("the reply is given up", async () =>
            await rig.ScalarAsync<long>("SELECT COUNT(*) FROM pending_replies WHERE ap_id = @ap", new { ap = group.Id("/comment/orphan").AbsoluteUri }) == 0);
        Assert.Contains((await DroppedAsync(admin)), r => r.Server == group.Origin.Authority && r.Reason == "no parent");
        Assert.Null(await rig.ReplyAsync(group.Id("/comment/orphan")));
    }

    private static async Task<List<(string? Server, string? Reason)>> DroppedAsync(Groups.GroupRig.Person admin)
    {
        var api = await admin.Web.GetWithTokenAsync("/api/v1/admin/federation/dropped", admin.Token);
        return (await api.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("dropped").EnumerateArray()
            .Select(r => (r.GetProperty("server").GetString(), r.GetProperty("reason").GetString())).ToList();
    }

    private static JsonObject Post(FakeGroupServer server, string path, string type, string html, string? name = null, Uri? inReplyTo = null)
    {
        var post = new JsonObject
        {
            ["@context"] = "https://www.w3.org/ns/activitystreams",
            ["id"] = server.Id(path).AbsoluteUri, ["type"] = type, ["attributedTo"] = server.PersonId.AbsoluteUri, ["content"] = html,
            ["to"] = new JsonArray(server.GroupId.AbsoluteUri, "https://www.w3.org/ns/activitystreams#Public"), ["audience"] = server.GroupId.AbsoluteUri,
            ["published"] = "2026-01-02T10:00:00Z",
        };
        if (name is not null)
        {
            post["name"] = name;
        }

        if (inReplyTo is not null)
        {
            post["inReplyTo"] = inReplyTo.AbsoluteUri;
        }

        return post;
    }

    private static JsonObject Create(FakeGroupServer server, string path, JsonObject post)
    {
        var embedded = post.DeepClone().AsObject();
        embedded.Remove("@context");
        return new JsonObject
        {
            ["@context"] = "https://www.w3.org/ns/activitystreams", ["id"] = server.Id("/activities/create" + path).AbsoluteUri, ["type"] = "Create",
            ["actor"] = server.PersonId.AbsoluteUri, ["to"] = new JsonArray("https://www.w3.org/ns/activitystreams#Public"), ["object"] = embedded,
        };
    }
}

public sealed class PendingReplyTestsOnSqlite(FederatedSqliteServer f) : PendingReplyTests<FederatedSqliteServer>(f);

public sealed class PendingReplyTestsOnPostgres(FederatedPostgresServer f) : PendingReplyTests<FederatedPostgresServer>(f);
