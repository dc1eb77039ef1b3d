using System.Net;
using System.Text.Json;
using Kindred.Server.Tests.TestRig;
using Kindred.Server.Web;

namespace Kindred.Server.Tests.RemoteGroups;

/// <summary>Our members write in groups whose home is elsewhere: stored here, and sent to the group's inbox for it to Announce.</summary>
public abstract class PostingToRemoteGroupTests<T>(T fixture) : IClassFixture<T> where T : ServerFixture
{
    private static readonly string[] LemmyHosts = ["enterprise.lemmy.ml", "ds9.lemmy.ml"];
    private const string Public = "https://www.w3.org/ns/activitystreams#Public";
    private RemoteGroupRig Rig => new(fixture.Server);

    private async Task<JsonElement> JobAsync(FakeGroupServer group, string type, string objectId)
    {
        var body = await Rig.ScalarAsync<string>("SELECT body FROM delivery_jobs WHERE inbox_url = @inbox AND body LIKE @type AND body LIKE @obj",
            new { inbox = group.GroupInbox.AbsoluteUri, type = $"%\"type\":\"{type}\"%", obj = $"%{objectId}%" });
        Assert.NotNull(body);
        return JsonDocument.Parse(body).RootElement;
    }

    [Fact]
    public async Task A_reply_to_a_remote_thread_is_stored_here_and_sent_to_the_group_as_Create_Note()
    {
        using var group = new FakeGroupServer("main", "/c/main");
        var rig = Rig;
        var member = await rig.JoinedMemberAsync(group);
        await rig.DeliverAsync(group, RemoteGroupRig.Recorded("lemmy/activities/community/announce_create_page.json", group, LemmyHosts));
        var thread = (await rig.ThreadAsync(group.Id("/post/7")))!;

        var replyId = await rig.Groups.ReplyAsync(member, thread.Id, "You are **not** alone.");
        var ours = new Uri(rig.Server.BaseAddress, $"/replies/{replyId}").AbsoluteUri;
        var memberId = new Uri(rig.Server.BaseAddress, $"/users/{member.Name.ToLowerInvariant()}").AbsoluteUri;
        var create = await JobAsync(group, "Create", ours);
        Assert.Equal(ours + "#create", create.GetProperty("id").GetString());
        Assert.Equal(memberId, create.GetProperty("actor").GetString());
        Assert.Equal(group.GroupId.AbsoluteUri, create.GetProperty("audience").GetString());
        Assert.Equal([group.GroupId.AbsoluteUri], create.GetProperty("to").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal([Public, group.GroupId.AbsoluteUri + "/followers"], create.GetProperty("cc").EnumerateArray().Select(e => e.GetString()));
        var note = create.GetProperty("object");
        Assert.Equal("Note", note.GetProperty("type").GetString());
        Assert.Equal(ours, note.GetProperty("id").GetString());
        Assert.Equal(memberId, note.GetProperty("attributedTo").GetString());
        Assert.Equal(group.Id("/post/7").AbsoluteUri, note.GetProperty("inReplyTo").GetString());
        Assert.Equal(group.Id("/post/7").AbsoluteUri, note.GetProperty("context").GetString());
        Assert.Equal(group.GroupId.AbsoluteUri, note.GetProperty("audience").GetString());
        Assert.Equal("<p>You are <strong>not</strong> alone.</p>\n", note.GetProperty("content").GetString());
        Assert.Equal("You are **not** alone.", note.GetProperty("source").GetProperty("content").GetString());
        Assert.Equal(memberId, await rig.ScalarAsync<string>("SELECT actor_id FROM delivery_jobs WHERE body LIKE @b", new { b = $"%{ours}#create%" }));

        // Someone on the group's server answers our member; the answer threads under their reply.
        var answer = new System.Text.Json.Nodes.JsonObject
        {
            ["id"] = group.Id("/comment/answer").AbsoluteUri, ["type"] = "Note", ["attributedTo"] = group.PersonId.AbsoluteUri,
            ["inReplyTo"] = ours, ["content"] = "<p>Thank you</p>", ["audience"] = group.GroupId.AbsoluteUri,
        };
        await rig.DeliverAsync(group, group.Announce(new System.Text.Json.Nodes.JsonObject
        {
            ["id"] = group.Id("/activities/create/answer").AbsoluteUri, ["type"] = "Create", ["actor"] = group.PersonId.AbsoluteUri, ["object"] = answer,
        }));
        var stored = (await rig.ReplyAsync(group.Id("/comment/answer")))!;
        Assert.Equal(replyId, stored.InReplyTo);
        Assert.Equal(1, stored.Depth);

        // Edits and deletions follow as Update and Delete by the author.
        Assert.Equal(HttpStatusCode.OK, (await rig.Groups.SendAsync(HttpMethod.Patch, $"/api/v1/posts/{replyId}", member.Token, new { content = "Edited." })).StatusCode);
        var update = await JobAsync(group, "Update", ours);
        Assert.Equal("<p>Edited.</p>\n", update.GetProperty("object").GetProperty("content").GetString());
        Assert.Equal(HttpStatusCode.NoContent, (await rig.Groups.SendAsync(HttpMethod.Delete, $"/api/v1/posts/{replyId}", member.Token)).StatusCode);
        var delete = await JobAsync(group, "Delete", ours);
        Assert.Equal(ours, delete.GetProperty("object").GetProperty("id").GetString());
        Assert.Equal(memberId, delete.GetProperty("actor").GetString());
    }

    [Fact]
    public async Task A_new_thread_in_a_remote_group_is_sent_as_Create_Page_and_its_Announce_back_stores_nothing_twice()
    {
        using var group = new FakeGroupServer();
        var rig = Rig;
        var member = await rig.JoinedMemberAsync(group);
        var threadId = await rig.Groups.ThreadAsync(member, group.Address, "Evenings", "They are the hardest.");
        var ours = new Uri(rig.Server.BaseAddress, $"/threads/{threadId}").AbsoluteUri;
        var create = await JobAsync(group, "Create", ours);
        var page = create.GetProperty("object");
        Assert.Equal("Page", page.GetProperty("type").GetString());
        Assert.Equal("Evenings", page.GetProperty("name").GetString());
        Assert.Equal(group.GroupId.AbsoluteUri, page.GetProperty("audience").GetString());
        Assert.False(page.TryGetProperty("inReplyTo", out _));

        // The group Announces our Create back to its followers, us included.
        var echoed = System.Text.Json.Nodes.JsonNode.Parse(create.GetRawText())!.AsObject();
        await rig.DeliverAsync(group, group.Announce(echoed));
        Assert.Equal(1, await rig.ScalarAsync<long>("SELECT COUNT(*) FROM threads WHERE group_id = (SELECT group_id FROM threads WHERE id = @threadId)", new { threadId }));

        // Members-only style groups (approving followers) never get Public.
        using var closed = new FakeGroupServer("quiet", "/c/quiet", manuallyApprovesFollowers: true);
        var quietMember = await rig.JoinedMemberAsync(closed);
        var quietThread = await rig.Groups.ThreadAsync(quietMember, closed.Address, "Private", "Words");
        var quiet = await rig.ScalarAsync<string>("SELECT body FROM delivery_jobs WHERE body LIKE @b", new { b = $"%/threads/{quietThread}#create%" });
        Assert.DoesNotContain(Public, quiet, StringComparison.Ordinal);
    }
}

public sealed class PostingToRemoteGroupTestsOnSqlite(FederatedSqliteServer f) : PostingToRemoteGroupTests<FederatedSqliteServer>(f);

public sealed class PostingToRemoteGroupTestsOnPostgres(FederatedPostgresServer f) : PostingToRemoteGroupTests<FederatedPostgresServer>(f);
