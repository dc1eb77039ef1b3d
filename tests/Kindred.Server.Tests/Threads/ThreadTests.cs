using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Kindred.Server.Tests.Groups;
using Kindred.Server.Tests.TestRig;
using Kindred.Server.Web;

namespace Kindred.Server.Tests.Threads;

/// <summary>Bad input, who may post, edit and delete, pins and locks, threaded order.</summary>
public abstract class ThreadTests<T>(T fixture) : IClassFixture<T> where T : ServerFixture
{
    private KindredTestServer Server => fixture.Server;

    [Fact]
    public async Task Empty_and_oversized_posts_get_field_errors_and_nothing_is_written()
    {
        var rig = new GroupRig(Server);
        var owner = await rig.AdminAsync();
        var slug = await rig.GroupAsync(owner);

        var empty = await rig.SendAsync(HttpMethod.Post, $"/api/v1/groups/{slug}/threads", owner.Token, new { title = " ", content = "" });
        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
        var errors = (await empty.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.True(errors.TryGetProperty("title", out _) && errors.TryGetProperty("content", out _), errors.ToString());

        var big = await rig.SendAsync(HttpMethod.Post, $"/api/v1/groups/{slug}/threads", owner.Token,
            new { title = new string('t', 201), content = new string('c', 20_001), contentWarning = new string('w', 201) });
        errors = (await big.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.Equal(3, errors.EnumerateObject().Count());
        Assert.Equal(HttpStatusCode.Created, (await rig.SendAsync(HttpMethod.Post, $"/api/v1/groups/{slug}/threads", owner.Token,
            new { title = new string('t', 200), content = new string('c', 20_000), contentWarning = new string('w', 200) })).StatusCode);
        var list = await rig.JsonAsync(HttpMethod.Get, $"/api/v1/groups/{slug}/threads", owner.Token);
        Assert.Single(list.GetProperty("items").EnumerateArray());

        var thread = list.GetProperty("items")[0].GetProperty("id").GetGuid();
        Assert.Equal(HttpStatusCode.BadRequest, (await rig.SendAsync(HttpMethod.Post, $"/api/v1/threads/{thread}/replies", owner.Token, new { content = "" })).StatusCode);
        var badParent = await rig.SendAsync(HttpMethod.Post, $"/api/v1/threads/{thread}/replies", owner.Token, new { content = "hi", inReplyTo = Guid.NewGuid() });
        Assert.Equal(HttpStatusCode.BadRequest, badParent.StatusCode);
        Assert.Equal(0, (await rig.JsonAsync(HttpMethod.Get, $"/api/v1/threads/{thread}", owner.Token)).GetProperty("thread").GetProperty("replyCount").GetInt32());

        // The web form keeps what was typed and shows the error next to the field.
        var response = await owner.Web.SubmitAsync($"/groups/{slug}/threads/new", $"/groups/{slug}/threads", new Dictionary<string, string>
        {
            ["title"] = new string('x', 201), ["content"] = "Words I do not want to lose", ["contentWarning"] = "grief",
        });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var page = await WebSession.ParseAsync(response);
        Assert.Contains("200 characters", page.Text("#title-error"));
        Assert.Equal("Words I do not want to lose", page.Document.QuerySelector("textarea#content")!.TextContent);
        Assert.Equal("grief", page.Document.QuerySelector("#contentWarning")!.GetAttribute("value"));
        Assert.Equal("true", page.Document.QuerySelector("#title")!.GetAttribute("aria-invalid"));
    }

    [Fact]
    public async Task Only_members_post_and_only_authors_edit_or_delete()
    {
        var rig = new GroupRig(Server);
        var owner = await rig.AdminAsync();
        var slug = await rig.GroupAsync(owner);
        var thread = await rig.ThreadAsync(owner, slug);
        var outsider = await rig.MemberAsync();
        Assert.Equal(HttpStatusCode.Forbidden, (await rig.SendAsync(HttpMethod.Post, $"/api/v1/groups/{slug}/threads", outsider.Token, new { title = "t", content = "c" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await rig.SendAsync(HttpMethod.Post, $"/api/v1/threads/{thread}/replies", outsider.Token, new { content = "c" })).StatusCode);
        Assert.Null((await outsider.Web.GetAsync($"/threads/{thread}")).Document.QuerySelector($"form[action='/threads/{thread}/replies']"));

        var member = await rig.MemberAsync();
        await rig.JoinAsync(member, slug);
        var reply = await rig.ReplyAsync(member, thread, "First words");
        Assert.Equal(HttpStatusCode.Forbidden, (await rig.SendAsync(HttpMethod.Patch, $"/api/v1/posts/{reply}", owner.Token, new { content = "Changed by someone else" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await rig.SendAsync(HttpMethod.Delete, $"/api/v1/posts/{thread}", member.Token)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await owner.Web.GetAsync($"/posts/{reply}/edit")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await rig.SendAsync(HttpMethod.Patch, $"/api/v1/posts/{Guid.NewGuid()}", owner.Token, new { content = "x" })).StatusCode);

        // Editing through the web shows "edited" with a time.
        var edited = await member.Web.SubmitAsync($"/posts/{reply}/edit", $"/posts/{reply}/edit", new Dictionary<string, string> { ["content"] = "Better words", ["contentWarning"] = "" });
        Assert.Equal(HttpStatusCode.Redirect, edited.StatusCode);
        var page = await member.Web.GetAsync($"/threads/{thread}");
        var item = page.Document.QuerySelector($"#reply-{reply}")!;
        Assert.Equal("Better words", item.QuerySelector(".prose")!.TextContent.Trim());
        Assert.Contains("edited", item.QuerySelector(".meta")!.TextContent);
        Assert.NotNull(item.QuerySelector(".meta time[datetime]"));
        await rig.JsonAsync(HttpMethod.Patch, $"/api/v1/posts/{thread}", owner.Token, new { title = "New title" });
        Assert.Equal("New title", (await member.Web.GetAsync($"/threads/{thread}")).Text("h1"));
    }

    [Fact]
    public async Task Replies_read_in_threaded_order_and_deleting_keeps_the_structure()
    {
        var rig = new GroupRig(Server);
        var owner = await rig.AdminAsync();
        var slug = await rig.GroupAsync(owner);
        var amy = await rig.MemberAsync();
        var ben = await rig.MemberAsync();
        await rig.JoinAsync(amy, slug);
        await rig.JoinAsync(ben, slug);
        var thread = await rig.ThreadAsync(owner, slug, "Order");
        var a = await rig.ReplyAsync(amy, thread, "A");
        var b = await rig.ReplyAsync(ben, thread, "B");
        var a1 = await rig.ReplyAsync(ben, thread, "A1", a);
        var a1x = await rig.ReplyAsync(amy, thread, "A1x", a1);
        var a2 = await rig.ReplyAsync(owner, thread, "A2", a);

        var page = await owner.Web.GetAsync($"/threads/{thread}");
        var ids = page.Document.QuerySelectorAll("ol.replies > li").Select(li => li.Id).ToList();
        Assert.Equal(new[] { a, a1, a1x, a2, b }.Select(id => $"reply-{id}"), ids);
        Assert.Contains("depth-2", page.Document.QuerySelector($"#reply-{a1x}")!.ClassName);
        Assert.Contains($"in reply to {ben.Name}", page.Document.QuerySelector($"#reply-{a1x} .meta")!.TextContent);

        // Ben's thread notifications: a reply to his reply.
        var notes = await rig.JsonAsync(HttpMethod.Get, "/api/v1/notifications", ben.Token);
        Assert.Contains(notes.GetProperty("items").EnumerateArray(), n => n.GetProperty("replyId").GetGuid() == a1x);

        Assert.Equal(HttpStatusCode.Redirect, (await ben.Web.SubmitAsync($"/posts/{a1}/delete", $"/posts/{a1}/delete", new Dictionary<string, string>())).StatusCode);
        page = await owner.Web.GetAsync($"/threads/{thread}");
        Assert.Equal("This reply was deleted.", page.Text($"#reply-{a1} .deleted"));
        Assert.DoesNotContain("A1", page.Text($"#reply-{a1}"));
        Assert.Equal("A1x", page.Text($"#reply-{a1x} .prose"));
        var api = await rig.JsonAsync(HttpMethod.Get, $"/api/v1/threads/{thread}", owner.Token);
        var deleted = api.GetProperty("replies").GetProperty("items").EnumerateArray().Single(r => r.GetProperty("id").GetGuid() == a1);
        Assert.True(deleted.GetProperty("deleted").GetBoolean());
        Assert.Equal("", deleted.GetProperty("content").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await rig.SendAsync(HttpMethod.Delete, $"/api/v1/posts/{a1}", ben.Token)).StatusCode);
    }

    [Fact]
    public async Task A_thread_whose_only_answer_is_deleted_waits_again_and_answering_yourself_does_not_count()
    {
        var rig = new GroupRig(Server);
        var owner = await rig.AdminAsync();
        var slug = await rig.GroupAsync(owner);
        var member = await rig.MemberAsync();
        await rig.JoinAsync(member, slug);
        var thread = await rig.ThreadAsync(member, slug, "Still here");
        await rig.ReplyAsync(member, thread, "Adding more");
        Assert.Contains("Still here", GroupRig.Titles(await owner.Web.GetAsync("/"), "waiting-title"));
        var answer = await rig.ReplyAsync(owner, thread, "I'm listening");
        Assert.DoesNotContain("Still here", GroupRig.Titles(await owner.Web.GetAsync("/"), "waiting-title"));
        await rig.JsonAsync(HttpMethod.Delete, $"/api/v1/posts/{answer}", owner.Token, null, HttpStatusCode.NoContent);
        var waiting = await rig.JsonAsync(HttpMethod.Get, $"/api/v1/groups/{slug}/waiting", owner.Token);
        Assert.Contains(waiting.GetProperty("items").EnumerateArray(), t => t.GetProperty("id").GetGuid() == thread);
    }

    [Fact]
    public async Task Moderators_pin_and_lock_and_locked_threads_refuse_replies_with_409()
    {
        var rig = new GroupRig(Server);
        var owner = await rig.AdminAsync();
        var slug = await rig.GroupAsync(owner);
        var member = await rig.MemberAsync();
        await rig.JoinAsync(member, slug);
        var old = await rig.ThreadAsync(member, slug, "Pin me");
        await rig.ThreadAsync(member, slug, "Newer");

        Assert.Equal(HttpStatusCode.Forbidden, (await rig.SendAsync(HttpMethod.Patch, $"/api/v1/threads/{old}", member.Token, new { pinned = true })).StatusCode);
        var pinPage = await owner.Web.GetAsync($"/threads/{old}");
        var pinForm = pinPage.Document.QuerySelectorAll($"form[action='/threads/{old}/moderation']").First(f => f.QuerySelector("[name=pinned]") is not null);
        Assert.Equal(HttpStatusCode.Redirect, (await owner.Web.Http.PostAsync($"/threads/{old}/moderation", new FormUrlEncodedContent(
            pinForm.QuerySelectorAll("input[type=hidden]").Select(i => new KeyValuePair<string, string>(i.GetAttribute("name")!, i.GetAttribute("value")!))))).StatusCode);
        Assert.Equal("Pin me", GroupRig.Titles(await member.Web.GetAsync($"/groups/{slug}"), "threads-title")[0]);

        var locked = await rig.JsonAsync(HttpMethod.Patch, $"/api/v1/threads/{old}", owner.Token, new { locked = true });
        Assert.True(locked.GetProperty("locked").GetBoolean());
        Assert.True(locked.GetProperty("pinned").GetBoolean());
        var refused = await rig.SendAsync(HttpMethod.Post, $"/api/v1/threads/{old}/replies", member.Token, new { content = "Too late?" });
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        var page = await member.Web.GetAsync($"/threads/{old}");
        Assert.Null(page.Document.QuerySelector($"form[action='/threads/{old}/replies']"));
        Assert.Contains("locked", page.Text("section[aria-labelledby=reply-title]"));
        var web = await member.Web.Http.PostAsync($"/threads/{old}/replies", new FormUrlEncodedContent([new("content", "x")]));
        Assert.NotEqual(HttpStatusCode.Redirect, web.StatusCode);
        Assert.Equal(0, (await rig.JsonAsync(HttpMethod.Get, $"/api/v1/threads/{old}", member.Token)).GetProperty("thread").GetProperty("replyCount").GetInt32());
    }
}

public sealed class ThreadTestsOnSqlite(SqliteServer f) : ThreadTests<SqliteServer>(f);

public sealed class ThreadTestsOnPostgres(PostgresServer f) : ThreadTests<PostgresServer>(f);
