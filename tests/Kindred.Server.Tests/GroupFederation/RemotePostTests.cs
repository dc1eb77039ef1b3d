using System.Text.Json.Nodes;
using Dapper;
using Kindred.ActivityPub.Json;
using Kindred.Server.Federation;
using Kindred.Server.Tests.TestRig;
using Kindred.Server.Web;

namespace Kindred.Server.Tests.GroupFederation;

/// <summary>Remote members post, reply, edit, delete and like in our groups; the group stores and Announces (FEP-1b12).</summary>
public abstract class RemotePostTests<T>(T fixture) : IClassFixture<T> where T : ServerFixture
{
    private GroupFedRig Rig => new(fixture.Server);

    private static JsonObject Post(FakeRemote author, Uri group, string type, string content, string? name = null, Uri? inReplyTo = null) =>
        ActivityJson.Create(new Uri($"{author.Origin}activities/{Guid.NewGuid():N}"), new PostDocument
        {
            Type = type, Id = new Uri($"{author.Origin}objects/{Guid.NewGuid():N}"), AttributedTo = author.ActorId, Name = name, ContentHtml = content,
            InReplyTo = inReplyTo, Audience = group, To = [group], Cc = [new Uri("https://www.w3.org/ns/activitystreams#Public")], Published = DateTimeOffset.UtcNow,
        });

    [Fact]
    public async Task A_members_Page_becomes_a_sanitised_thread_and_the_group_announces_the_original_to_the_other_members()
    {
        var rig = Rig;
        using var harriet = new FakeRemote();
        using var bob = new FakeRemote("bob");
        using var outsider = new FakeRemote("outsider");
        var owner = await rig.Groups.AdminAsync();
        var slug = await rig.GroupAsync(owner);
        var group = rig.GroupId(slug);
        await rig.FollowAsync(harriet, slug);
        await rig.FollowAsync(bob, slug);

        var create = Post(harriet, group, "Page", "<p>Hello <script>alert(1)</script><b>all</b></p>", "Tired tonight");
        // Mastodon-style Linked Data signature and compact Public addressing: the Announce must carry them unchanged.
        create["signature"] = new JsonObject
        {
            ["type"] = "RsaSignature2017", ["creator"] = harriet.ActorId.AbsoluteUri + "#main-key", ["created"] = "2026-01-02T10:00:00Z", ["signatureValue"] = "c2lnbmVk",
        };
        create["cc"] = new JsonArray("as:Public");
        await rig.DeliverAsync(harriet, create);
        var objectId = (string)create["object"]!["id"]!;
        await using var c = await rig.OpenAsync();
        var thread = await c.QuerySingleAsync<(Guid Id, string Title, string Content, string Origin, string RemoteAuthor)>(
            "SELECT id, title, content, origin, remote_author FROM threads WHERE ap_id = @objectId", new { objectId });
        Assert.Equal("Tired tonight", thread.Title);
        Assert.DoesNotContain("script", thread.Content, StringComparison.Ordinal);
        Assert.Contains("<b>all</b>", thread.Content, StringComparison.Ordinal);
        Assert.Equal(harriet.Origin.Authority, thread.Origin);
        Assert.Equal(harriet.ActorId.AbsoluteUri, thread.RemoteAuthor);

        var announce = GroupFedRig.Parse(Assert.Single(await rig.JobsAsync(group, new Uri(bob.Origin, "/inbox")), j => j.Contains("\"Announce\"", StringComparison.Ordinal)));
        // Embedded exactly as received (issue 16): @context, signature and addressing as written.
        Assert.True(JsonNode.DeepEquals(create, announce["object"]), JsonOutput.Serialize(announce["object"]!));

        // It shows on the group page, rendered from the sanitised HTML.
        var page = await owner.Web.GetAsync($"/groups/{slug}");
        Assert.Contains("Tired tonight", page.Document.Body!.TextContent, StringComparison.Ordinal);

        // The same Create again (another id) is stored once; a non-member's post is refused.
        await rig.DeliverAsync(harriet, create.DeepClone().AsObject().Also(o => o["id"] = $"{harriet.Origin}activities/again"));
        await rig.DeliverAsync(outsider, Post(outsider, group, "Page", "<p>spam</p>", "Buy"));
        Assert.Equal(1, await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM threads WHERE ap_id = @objectId", new { objectId }));
        Assert.Equal(0, await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM threads WHERE remote_author = @a", new { a = outsider.ActorId.AbsoluteUri }));

        // A reply to the thread, a Mastodon-style Note without inReplyTo becomes a thread titled by its first words.
        var reply = Post(bob, group, "Note", "<p>I hear you.</p>", inReplyTo: new Uri(objectId));
        await rig.DeliverAsync(bob, reply);
        Assert.Equal(1, await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM replies WHERE ap_id = @id AND thread_id = @t", new { id = (string)reply["object"]!["id"]!, t = thread.Id }));
        // Its title leaves out the mention of the group it starts with (Mastodon tags it as a Mention).
        var note = Post(bob, group, "Note", $"<p><span class=\"h-card\"><a href=\"{group}\" class=\"u-url mention\">@<span>{slug}</span></a></span> does anyone else find evenings the hardest part of the day when caring for someone?</p>");
        note["object"]!["tag"] = new JsonArray(new JsonObject { ["type"] = "Mention", ["href"] = group.AbsoluteUri, ["name"] = $"@{slug}@{group.Authority}" });
        await rig.DeliverAsync(bob, note);
        var title = await c.QuerySingleAsync<string>("SELECT title FROM threads WHERE ap_id = @id", new { id = (string)note["object"]!["id"]! });
        Assert.StartsWith("does anyone else find evenings", title, StringComparison.Ordinal);
        Assert.EndsWith("…", title, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Only_the_author_may_update_or_delete_and_likes_are_stored_and_announced()
    {
        var rig = Rig;
        using var harriet = new FakeRemote();
        using var bob = new FakeRemote("bob");
        var owner = await rig.Groups.AdminAsync();
        var slug = await rig.GroupAsync(owner);
        var group = rig.GroupId(slug);
        await rig.FollowAsync(harriet, slug);
        await rig.FollowAsync(bob, slug);
        var create = Post(harriet, group, "Page", "<p>First</p>", "Mine");
        await rig.DeliverAsync(harriet, create);
        var obj = create["object"]!.AsObject();
        var objectId = new Uri((string)obj["id"]!);
        await using var c = await rig.OpenAsync();

        JsonObject Update(FakeRemote by, string content)
        {
            var edited = ActivityJson.Embed(obj);
            edited["content"] = content;
            return ActivityJson.Update(new Uri($"{by.Origin}activities/{Guid.NewGuid():N}"), by.ActorId, edited, [group], audience: group);
        }

        await rig.DeliverAsync(bob, Update(bob, "<p>Hijacked</p>"));
        await rig.DeliverAsync(harriet, Update(harriet, "<p>Edited</p>"));
        Assert.Equal("<p>Edited</p>", await c.QuerySingleAsync<string>("SELECT content FROM threads WHERE ap_id = @id", new { id = objectId.AbsoluteUri }));

        var like = ActivityJson.Like(new Uri($"{bob.Origin}likes/{Guid.NewGuid():N}"), bob.ActorId, objectId, [group], group);
        await rig.DeliverAsync(bob, like);
        Assert.Equal(1, await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM post_likes WHERE object_id = @id", new { id = objectId.AbsoluteUri }));
        var undo = ActivityJson.Undo(new Uri($"{bob.Origin}activities/{Guid.NewGuid():N}"), bob.ActorId, like, [group]);
        await rig.DeliverAsync(bob, undo);
        Assert.Equal(0, await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM post_likes WHERE object_id = @id", new { id = objectId.AbsoluteUri }));

        await rig.DeliverAsync(bob, ActivityJson.Delete(new Uri($"{bob.Origin}activities/{Guid.NewGuid():N}"), bob.ActorId, objectId, [group]));
        Assert.Equal(0, await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM threads WHERE ap_id = @id AND deleted_at IS NOT NULL", new { id = objectId.AbsoluteUri }));
        await rig.DeliverAsync(harriet, ActivityJson.Delete(new Uri($"{harriet.Origin}activities/{Guid.NewGuid():N}"), harriet.ActorId, objectId, [group]));
        Assert.Equal(1, await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM threads WHERE ap_id = @id AND deleted_at IS NOT NULL AND content = ''", new { id = objectId.AbsoluteUri }));
        // A Delete of something never seen is handled without error.
        await rig.DeliverAsync(harriet, ActivityJson.Delete(new Uri($"{harriet.Origin}activities/{Guid.NewGuid():N}"), harriet.ActorId, new Uri($"{harriet.Origin}objects/never"), [group]));

        var announced = (await rig.JobsAsync(group, new Uri(bob.Origin, "/inbox"))).Select(GroupFedRig.Parse)
            .Where(j => (string?)j["type"] == "Announce").Select(j => (string?)j["object"]!["type"]).ToList();
        Assert.Equal(["Create", "Update", "Like", "Undo", "Delete"], announced);
    }
}

internal static class JsonObjectExtensions
{
    public static JsonObject Also(this JsonObject o, Action<JsonObject> change)
    {
        change(o);
        return o;
    }
}

public sealed class RemotePostTestsOnSqlite(FederatedSqliteServer f) : RemotePostTests<FederatedSqliteServer>(f);

public sealed class RemotePostTestsOnPostgres(FederatedPostgresServer f) : RemotePostTests<FederatedPostgresServer>(f);
