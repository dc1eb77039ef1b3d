using System.Net;
using System.Text.Json;
using Kindred.Server.Tests.Groups;
using Kindred.Server.Tests.TestRig;
using Kindred.Server.Web;

namespace Kindred.Server.Tests.Reactions;

/// <summary>Threads and replies in the JSON API say whether the caller said "I hear you" (<c>reacted</c>), and only a
/// post's author is given a number (<c>reactionCount</c>); for everyone else the field is left out.</summary>
public abstract class ReactionApiTests<T>(T fixture) : IClassFixture<T> where T : ServerFixture
{
    private KindredTestServer Server => fixture.Server;

    private static Task<HttpResponseMessage> PutAsync(GroupRig rig, GroupRig.Person p, Guid post) => rig.SendAsync(HttpMethod.Put, $"/api/v1/posts/{post}/reaction", p.Token);

    private static bool Reacted(JsonElement post) => post.GetProperty("reacted").GetBoolean();

    private static int? Count(JsonElement post) => post.TryGetProperty("reactionCount", out var n) && n.ValueKind != JsonValueKind.Null ? n.GetInt32() : null;

    private static JsonElement Item(JsonElement list, Guid id) => list.GetProperty("items").EnumerateArray().Single(i => i.GetProperty("id").GetGuid() == id);

    [Fact]
    public async Task Thread_and_reply_JSON_say_whether_you_reacted_and_only_the_author_gets_a_count()
    {
        var rig = new GroupRig(Server);
        var owner = await rig.AdminAsync();
        var slug = await rig.GroupAsync(owner);
        var thread = await rig.ThreadAsync(owner, slug, "Hard week", "It has been a hard week.");
        var first = await rig.MemberAsync();
        var second = await rig.MemberAsync();
        await rig.JoinAsync(first, slug);
        await rig.JoinAsync(second, slug);
        var reply = await rig.ReplyAsync(first, thread, "Same here.");
        Assert.Equal(HttpStatusCode.OK, (await PutAsync(rig, first, thread)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await PutAsync(rig, second, thread)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await PutAsync(rig, owner, reply)).StatusCode);

        async Task<(JsonElement Thread, JsonElement Reply)> DetailAsync(GroupRig.Person p)
        {
            var json = await rig.JsonAsync(HttpMethod.Get, $"/api/v1/threads/{thread}", p.Token);
            return (json.GetProperty("thread"), Item(json.GetProperty("replies"), reply));
        }

        var (t, r) = await DetailAsync(owner);
        Assert.False(Reacted(t));
        Assert.Equal(2, Count(t)); // the thread is the owner's
        Assert.True(Reacted(r));
        Assert.False(r.TryGetProperty("reactionCount", out _)); // left out, not even null

        (t, r) = await DetailAsync(first);
        Assert.True(Reacted(t));
        Assert.False(t.TryGetProperty("reactionCount", out _));
        Assert.False(Reacted(r));
        Assert.Equal(1, Count(r)); // the reply is first's

        (t, r) = await DetailAsync(second);
        Assert.True(Reacted(t));
        Assert.False(Reacted(r));
        Assert.Null(Count(t));
        Assert.Null(Count(r));

        // Listings carry the same two fields.
        var ownerList = Item(await rig.JsonAsync(HttpMethod.Get, $"/api/v1/groups/{slug}/threads", owner.Token), thread);
        Assert.False(Reacted(ownerList));
        Assert.Equal(2, Count(ownerList));
        var firstList = Item(await rig.JsonAsync(HttpMethod.Get, $"/api/v1/groups/{slug}/threads", first.Token), thread);
        Assert.True(Reacted(firstList));
        Assert.False(firstList.TryGetProperty("reactionCount", out _));

        // Moderating answers with the thread as its author sees it.
        var pinned = await rig.JsonAsync(HttpMethod.Patch, $"/api/v1/threads/{thread}", owner.Token, new { pinned = true });
        Assert.Equal(2, Count(pinned));

        // Taking it back shows at once; the author sees the number fall.
        Assert.Equal(HttpStatusCode.NoContent, (await rig.SendAsync(HttpMethod.Delete, $"/api/v1/posts/{thread}/reaction", second.Token)).StatusCode);
        (t, _) = await DetailAsync(second);
        Assert.False(Reacted(t));
        (t, _) = await DetailAsync(owner);
        Assert.Equal(1, Count(t));
    }

    [Fact]
    public async Task Waiting_lists_and_new_posts_carry_the_fields_too()
    {
        var rig = new GroupRig(Server);
        var owner = await rig.AdminAsync();
        var slug = await rig.GroupAsync(owner);
        var member = await rig.MemberAsync();
        await rig.JoinAsync(member, slug);
        var quiet = await rig.ThreadAsync(owner, slug, "Nobody answered", "Anyone?");
        var other = await rig.ThreadAsync(owner, slug, "Also quiet", "Hello?");
        Assert.Equal(HttpStatusCode.OK, (await PutAsync(rig, member, quiet)).StatusCode);

        foreach (var path in new[] { "/api/v1/waiting", $"/api/v1/groups/{slug}/waiting" })
        {
            var mine = await rig.JsonAsync(HttpMethod.Get, path, member.Token);
            Assert.True(Reacted(Item(mine, quiet)));
            Assert.False(Reacted(Item(mine, other)));
            Assert.Null(Count(Item(mine, quiet)));
            var theirs = await rig.JsonAsync(HttpMethod.Get, path, owner.Token);
            Assert.Equal(1, Count(Item(theirs, quiet)));
            Assert.Equal(0, Count(Item(theirs, other)));
        }

        // A post just written: nobody has reacted; its author sees 0.
        var created = await rig.JsonAsync(HttpMethod.Post, $"/api/v1/threads/{quiet}/replies", member.Token, new { content = "I am here." }, HttpStatusCode.Created);
        Assert.False(Reacted(created));
        Assert.Equal(0, Count(created));
        var started = await rig.JsonAsync(HttpMethod.Post, $"/api/v1/groups/{slug}/threads", member.Token, new { title = "Mine", content = "Words." }, HttpStatusCode.Created);
        Assert.False(Reacted(started));
        Assert.Equal(0, Count(started));
    }
}

public sealed class ReactionApiTestsOnSqlite(SqliteServer f) : ReactionApiTests<SqliteServer>(f);

public sealed class ReactionApiTestsOnPostgres(PostgresServer f) : ReactionApiTests<PostgresServer>(f);
