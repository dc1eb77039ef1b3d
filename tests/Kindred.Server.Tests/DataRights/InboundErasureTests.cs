using System.Text.Json.Nodes;
using Dapper;
using Kindred.ActivityPub.Json;
using Kindred.Server.Federation;
using Kindred.Server.Tests.GroupFederation;
using Kindred.Server.Tests.TestRig;

namespace Kindred.Server.Tests.DataRights;

/// <summary>
/// A person on another server deletes their account (issue 14): Lemmy's <c>delete_user.json</c> (a Delete whose object
/// is the actor itself, <c>removeData</c>) erases their threads and replies here, not only their membership and keys.
/// </summary>
public abstract class InboundErasureTests<T>(T fixture) : IClassFixture<T> where T : ServerFixture
{
    private static JsonObject Post(FakeRemote author, Uri group, string type, string content, string? name = null, Uri? inReplyTo = null) =>
        ActivityJson.Create(new Uri($"{author.Origin}activities/{Guid.NewGuid():N}"), new PostDocument
        {
            Type = type, Id = new Uri($"{author.Origin}objects/{Guid.NewGuid():N}"), AttributedTo = author.ActorId, Name = name, ContentHtml = content,
            InReplyTo = inReplyTo, Audience = group, To = [group], Cc = [new Uri("https://www.w3.org/ns/activitystreams#Public")], Published = DateTimeOffset.UtcNow,
        });

    /// <summary>Lemmy's delete_user.json (Fixtures/activitypub/lemmy, see SOURCES.md) with its actor replaced by the fake remote's.</summary>
    private static JsonObject LemmyDeleteUser(FakeRemote remote)
    {
        var text = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "activitypub", "lemmy", "delete_user.json"))
            .Replace("http://ds9.lemmy.ml/u/lemmy_alpha", remote.ActorId.AbsoluteUri, StringComparison.Ordinal)
            .Replace("http://ds9.lemmy.ml/", remote.Origin.AbsoluteUri, StringComparison.Ordinal);
        var activity = JsonNode.Parse(text)!.AsObject();
        Assert.True((bool)activity["removeData"]!);
        return activity;
    }

    [Fact]
    public async Task A_remote_Delete_of_a_Person_erases_their_posts_here_and_leaves_everyone_elses()
    {
        var rig = new GroupFedRig(fixture.Server);
        using var harriet = new FakeRemote();
        var owner = await rig.Groups.AdminAsync();
        var slug = await rig.GroupAsync(owner);
        var group = rig.GroupId(slug);
        await rig.FollowAsync(harriet, slug);

        var create = Post(harriet, group, "Page", "<p>I relapsed last week.</p>", "Relapse");
        await rig.DeliverAsync(harriet, create);
        await using var c = await rig.OpenAsync();
        var threadId = await c.QuerySingleAsync<Guid>("SELECT id FROM threads WHERE ap_id = @id", new { id = (string)create["object"]!["id"]! });
        var ownersThread = await rig.Groups.ThreadAsync(owner, slug, "Weekly check-in", "How are you all?");
        var reply = Post(harriet, group, "Note", "<p>Hanging in there.</p>", inReplyTo: fixture.Server.Get<Kindred.Server.Web.ActorUrls>().Thread(ownersThread));
        await rig.DeliverAsync(harriet, reply);
        var ownersReply = await rig.Groups.ReplyAsync(owner, threadId, "We are glad you told us.");
        Assert.Equal(2, await c.ExecuteScalarAsync<long>(
            "SELECT (SELECT COUNT(*) FROM threads WHERE remote_author = @a AND deleted_at IS NULL) + (SELECT COUNT(*) FROM replies WHERE remote_author = @a AND deleted_at IS NULL)",
            new { a = harriet.ActorId.AbsoluteUri }));

        await rig.DeliverAsync(harriet, LemmyDeleteUser(harriet));

        Assert.Equal(0, await c.ExecuteScalarAsync<long>(
            "SELECT (SELECT COUNT(*) FROM threads WHERE remote_author = @a AND (deleted_at IS NULL OR content <> '')) + (SELECT COUNT(*) FROM replies WHERE remote_author = @a AND (deleted_at IS NULL OR content <> ''))",
            new { a = harriet.ActorId.AbsoluteUri }));
        Assert.Null(await rig.MemberStateAsync(slug, harriet.ActorId));
        // Threads stay readable: the owner's answer under her (now deleted) thread is still there.
        var thread = await rig.Groups.JsonAsync(HttpMethod.Get, $"/api/v1/threads/{threadId}", owner.Token);
        Assert.Contains("We are glad you told us.", thread.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("relapsed", thread.ToString(), StringComparison.Ordinal);
        Assert.Equal(1, await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM replies WHERE id = @ownersReply AND deleted_at IS NULL", new { ownersReply }));
    }
}

public sealed class InboundErasureTestsOnSqlite(FederatedSqliteServer f) : InboundErasureTests<FederatedSqliteServer>(f);

public sealed class InboundErasureTestsOnPostgres(FederatedPostgresServer f) : InboundErasureTests<FederatedPostgresServer>(f);
