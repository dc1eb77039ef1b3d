using System.Text.Json.Nodes;
using Kindred.Server.Tests.TestRig;
using Kindred.Server.Web;

namespace Kindred.Server.Tests.RemoteGroups;

/// <summary>
/// Replies in groups hosted elsewhere keep "waiting for a reply" honest, as local replies do, and carry the content
/// warnings their servers give them.
/// </summary>
public abstract class RemoteRepliesTests<T>(T fixture) : IClassFixture<T> where T : ServerFixture
{
    private RemoteGroupRig Rig => new(fixture.Server);

    [Fact]
    public async Task Deleting_the_only_answer_puts_the_thread_back_on_waiting_for_a_reply()
    {
        using var group = new FakeGroupServer();
        var rig = Rig;
        await rig.JoinedMemberAsync(group);
        var bob = group.Id("/u/bob");
        await rig.DeliverAsync(group, group.Announce(Create(group, group.PersonId, "/post/evenings", "Page", "<p>Is it always this hard?</p>", name: "Evenings")));
        var thread = group.Id("/post/evenings");
        async Task<bool> AnsweredAsync() =>
            await rig.ScalarAsync<long>("SELECT COUNT(*) FROM threads WHERE ap_id = @id AND answered_at IS NOT NULL", new { id = thread.AbsoluteUri }) == 1;

        // The author adding to their own thread does not answer it.
        await rig.DeliverAsync(group, group.Announce(Create(group, group.PersonId, "/comment/self", "Note", "<p>Mostly after nine.</p>", inReplyTo: thread)));
        Assert.False(await AnsweredAsync());

        await rig.DeliverAsync(group, group.Announce(Create(group, bob, "/comment/bob", "Note", "<p>It gets easier.</p>", inReplyTo: thread)));
        Assert.True(await AnsweredAsync());

        var delete = new JsonObject
        {
            ["id"] = group.Id("/activities/delete/bob").AbsoluteUri, ["type"] = "Delete", ["actor"] = bob.AbsoluteUri,
            ["to"] = new JsonArray("https://www.w3.org/ns/activitystreams#Public"), ["object"] = group.Id("/comment/bob").AbsoluteUri,
        };
        await rig.DeliverAsync(group, group.Announce(delete));
        Assert.NotNull((await rig.ReplyAsync(group.Id("/comment/bob")))!.DeletedAt);
        Assert.False(await AnsweredAsync());
        Assert.Equal(1, (await rig.ThreadAsync(thread))!.ReplyCount);
    }

    [Fact]
    public async Task A_Notes_summary_is_its_content_warning_and_a_Pages_summary_is_a_preview()
    {
        using var group = new FakeGroupServer();
        var rig = Rig;
        await rig.JoinedMemberAsync(group);
        // Pleroma-style: a content warning in a Note's summary without the sensitive flag.
        await rig.DeliverAsync(group, group.Announce(Create(group, group.PersonId, "/post/note-cw", "Note", "<p>The details</p>", summary: "grief")));
        Assert.Equal("grief", (await rig.ThreadAsync(group.Id("/post/note-cw")))!.ContentWarning);
        // NodeBB-style: an Article's summary is its first lines.
        await rig.DeliverAsync(group, group.Announce(Create(group, group.PersonId, "/post/article", "Article", "<p>Welcome all</p>", name: "Welcome", summary: "Welcome all")));
        Assert.Null((await rig.ThreadAsync(group.Id("/post/article")))!.ContentWarning);
    }

    private static JsonObject Create(FakeGroupServer server, Uri author, string path, string type, string html, string? name = null, Uri? inReplyTo = null, string? summary = null)
    {
        var post = new JsonObject
        {
            ["id"] = server.Id(path).AbsoluteUri, ["type"] = type, ["attributedTo"] = author.AbsoluteUri, ["content"] = html,
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

        if (summary is not null)
        {
            post["summary"] = summary;
        }

        return new JsonObject
        {
            ["@context"] = "https://www.w3.org/ns/activitystreams", ["id"] = server.Id("/activities/create" + path).AbsoluteUri, ["type"] = "Create",
            ["actor"] = author.AbsoluteUri, ["to"] = new JsonArray("https://www.w3.org/ns/activitystreams#Public"), ["object"] = post,
        };
    }
}

public sealed class RemoteRepliesTestsOnSqlite(FederatedSqliteServer f) : RemoteRepliesTests<FederatedSqliteServer>(f);

public sealed class RemoteRepliesTestsOnPostgres(FederatedPostgresServer f) : RemoteRepliesTests<FederatedPostgresServer>(f);
