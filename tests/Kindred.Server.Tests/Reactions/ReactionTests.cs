using System.Net;
using System.Text.Json;
using Dapper;
using Kindred.Server.Data;
using Kindred.Server.Tests.Groups;
using Kindred.Server.Tests.TestRig;
using Kindred.Server.Web;

namespace Kindred.Server.Tests.Reactions;

/// <summary>"I hear you": who may react, idempotency, the author's notification and the count only the author sees.</summary>
public abstract class ReactionTests<T>(T fixture) : IClassFixture<T> where T : ServerFixture
{
    private KindredTestServer Server => fixture.Server;

    private async Task<long> LikesAsync(Guid postId)
    {
        await using var c = await Server.Get<Database>().OpenAsync();
        return await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM post_likes WHERE post_id = @postId", new { postId });
    }

    private static async Task<List<JsonElement>> ReactionNotificationsAsync(GroupRig rig, GroupRig.Person person)
    {
        var json = await rig.JsonAsync(HttpMethod.Get, "/api/v1/notifications", person.Token);
        return json.GetProperty("items").EnumerateArray().Where(n => n.GetProperty("kind").GetString() == "reaction").ToList();
    }

    private static Task<HttpResponseMessage> PutAsync(GroupRig rig, GroupRig.Person p, Guid post) => rig.SendAsync(HttpMethod.Put, $"/api/v1/posts/{post}/reaction", p.Token);

    private static Task<HttpResponseMessage> DeleteAsync(GroupRig rig, GroupRig.Person p, Guid post) => rig.SendAsync(HttpMethod.Delete, $"/api/v1/posts/{post}/reaction", p.Token);

    [Fact]
    public async Task Members_react_once_never_to_their_own_posts_and_take_it_back_idempotently()
    {
        var rig = new GroupRig(Server);
        var owner = await rig.AdminAsync();
        var slug = await rig.GroupAsync(owner);
        var thread = await rig.ThreadAsync(owner, slug, "Hard week", "It has been a hard week.");
        var member = await rig.MemberAsync();
        await rig.JoinAsync(member, slug);
        var reply = await rig.ReplyAsync(member, thread, "Same here.");

        var put = await PutAsync(rig, member, thread);
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        var body = JsonDocument.Parse(await put.Content.ReadAsStringAsync()).RootElement;
        Assert.True(body.GetProperty("reacted").GetBoolean());
        Assert.False(body.TryGetProperty("count", out _));
        Assert.Equal(HttpStatusCode.OK, (await PutAsync(rig, member, thread)).StatusCode);
        Assert.Equal(1, await LikesAsync(thread));

        // The author is told once, by name; nobody else is told anything.
        var told = Assert.Single(await ReactionNotificationsAsync(rig, owner));
        Assert.Equal(member.Name, told.GetProperty("actor").GetString());
        Assert.Equal(thread, told.GetProperty("threadId").GetGuid());
        Assert.Empty(await ReactionNotificationsAsync(rig, member));

        // Own posts: 403. The author may say it to the member's reply.
        var own = await PutAsync(rig, member, reply);
        Assert.Equal(HttpStatusCode.Forbidden, own.StatusCode);
        Assert.Equal("application/problem+json", own.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.Forbidden, (await PutAsync(rig, owner, thread)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await PutAsync(rig, owner, reply)).StatusCode);
        var toMember = Assert.Single(await ReactionNotificationsAsync(rig, member));
        Assert.Equal(reply, toMember.GetProperty("replyId").GetGuid());

        // Taking back: 204 twice, the reaction and its notification are gone.
        Assert.Equal(HttpStatusCode.NoContent, (await DeleteAsync(rig, member, thread)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await DeleteAsync(rig, member, thread)).StatusCode);
        Assert.Equal(0, await LikesAsync(thread));
        Assert.Empty(await ReactionNotificationsAsync(rig, owner));
        Assert.Equal(1, await LikesAsync(reply));

        // Saying it again is a new reaction and tells the author again.
        Assert.Equal(HttpStatusCode.OK, (await PutAsync(rig, member, thread)).StatusCode);
        Assert.Single(await ReactionNotificationsAsync(rig, owner));
    }

    [Fact]
    public async Task Only_members_who_can_see_a_post_may_react_and_locked_or_deleted_posts_take_none()
    {
        var rig = new GroupRig(Server);
        var owner = await rig.AdminAsync();
        var open = await rig.GroupAsync(owner);
        var closed = await rig.GroupAsync(owner, "members", "invite");
        var openThread = await rig.ThreadAsync(owner, open);
        var closedThread = await rig.ThreadAsync(owner, closed);
        var outsider = await rig.MemberAsync();

        Assert.Equal(HttpStatusCode.NotFound, (await PutAsync(rig, outsider, closedThread)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await DeleteAsync(rig, outsider, closedThread)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await PutAsync(rig, outsider, Guid.NewGuid())).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await PutAsync(rig, outsider, openThread)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await rig.SendAsync(HttpMethod.Put, $"/api/v1/posts/{openThread}/reaction", "not-a-token")).StatusCode);
        Assert.Equal(0, await LikesAsync(openThread));

        var member = await rig.MemberAsync();
        await rig.JoinAsync(member, open);
        var reply = await rig.ReplyAsync(owner, openThread, "Replying to myself");
        Assert.Equal(HttpStatusCode.OK, (await PutAsync(rig, member, reply)).StatusCode);
        await rig.JsonAsync(HttpMethod.Patch, $"/api/v1/threads/{openThread}", owner.Token, new { locked = true });
        Assert.Equal(HttpStatusCode.Conflict, (await PutAsync(rig, member, openThread)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await PutAsync(rig, member, reply)).StatusCode); // already said: still fine
        Assert.Equal(HttpStatusCode.NoContent, (await DeleteAsync(rig, member, reply)).StatusCode); // taking back always works
        Assert.Equal(HttpStatusCode.Conflict, (await PutAsync(rig, member, reply)).StatusCode);
        await rig.JsonAsync(HttpMethod.Patch, $"/api/v1/threads/{openThread}", owner.Token, new { locked = false });

        await rig.JsonAsync(HttpMethod.Delete, $"/api/v1/posts/{reply}", owner.Token, expect: HttpStatusCode.NoContent);
        Assert.Equal(HttpStatusCode.NotFound, (await PutAsync(rig, member, reply)).StatusCode);
        Assert.Equal(0, await LikesAsync(reply));
    }

    [Fact]
    public async Task The_web_form_works_without_JavaScript_and_only_the_author_sees_how_many_heard_them()
    {
        var rig = new GroupRig(Server);
        var owner = await rig.AdminAsync();
        var slug = await rig.GroupAsync(owner);
        var thread = await rig.ThreadAsync(owner, slug, "Night shifts", "Anyone else awake?");
        var first = await rig.MemberAsync();
        var second = await rig.MemberAsync();
        await rig.JoinAsync(first, slug);
        await rig.JoinAsync(second, slug);
        var action = $"/posts/{thread}/reaction";
        var path = $"/threads/{thread}";

        var before = await first.Web.GetAsync(path);
        var button = before.Form(action).QuerySelector("button")!;
        Assert.StartsWith("I hear you", button.TextContent.Trim(), StringComparison.Ordinal);
        Assert.Contains(owner.Name, button.TextContent, StringComparison.Ordinal); // its accessible name says whose post

        var sent = await first.Web.SubmitAsync(before, action, new Dictionary<string, string>());
        Assert.Equal(HttpStatusCode.Redirect, sent.StatusCode);
        var after = await first.Web.FollowAsync(sent);
        Assert.Contains("You said 'I hear you'", after.Form(action).TextContent, StringComparison.Ordinal);
        Assert.StartsWith("Take back", after.Form(action).QuerySelector("button")!.TextContent.Trim(), StringComparison.Ordinal);

        // Without the antiforgery token nothing happens.
        using var bare = new FormUrlEncodedContent([new("reacted", "true")]);
        Assert.NotEqual(HttpStatusCode.Redirect, (await second.Web.Http.PostAsync(action, bare)).StatusCode);
        Assert.Equal(1, await LikesAsync(thread));
        Assert.Equal(HttpStatusCode.OK, (await PutAsync(rig, second, thread)).StatusCode);

        var authorPage = await owner.Web.GetAsync(path);
        Assert.Equal("2 people said they hear you", authorPage.Text("article.thread .heard"));
        Assert.Null(authorPage.Document.QuerySelector($"form[action='{action}']"));
        foreach (var page in new[] { await first.Web.GetAsync(path), await second.Web.GetAsync(path), await Server.NewSession().GetAsync(path) })
        {
            Assert.Null(page.Document.QuerySelector(".heard"));
            Assert.DoesNotContain("said they hear you", page.Document.Body!.TextContent, StringComparison.Ordinal);
        }

        Assert.Null((await Server.NewSession().GetAsync(path)).Document.QuerySelector($"form[action='{action}']"));

        var takeBack = await first.Web.SubmitAsync(path, action, new Dictionary<string, string>());
        Assert.Equal(HttpStatusCode.Redirect, takeBack.StatusCode);
        Assert.StartsWith("I hear you", (await first.Web.GetAsync(path)).Form(action).QuerySelector("button")!.TextContent.Trim(), StringComparison.Ordinal);
        Assert.Equal("1 person said they hear you", (await owner.Web.GetAsync(path)).Text("article.thread .heard"));

        var notifications = await owner.Web.GetAsync("/notifications");
        var items = notifications.Document.QuerySelectorAll(".notifications li").Select(li => li.TextContent).ToList();
        Assert.Contains(items, i => i.Contains($"{second.Name} said \"I hear you\" to your thread", StringComparison.Ordinal));
        Assert.DoesNotContain(items, i => i.Contains($"{first.Name} said", StringComparison.Ordinal));
    }
}

public sealed class ReactionTestsOnSqlite(SqliteServer f) : ReactionTests<SqliteServer>(f);

public sealed class ReactionTestsOnPostgres(PostgresServer f) : ReactionTests<PostgresServer>(f);
