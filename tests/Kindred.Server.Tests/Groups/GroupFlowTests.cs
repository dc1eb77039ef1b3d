using System.Net;
using Kindred.Server.Tests.TestRig;
using Kindred.Server.Web;

namespace Kindred.Server.Tests.Groups;

/// <summary>The "done when", tried as new people would: on the web without JavaScript, and through the API.</summary>
public abstract class GroupFlowTests<T>(T fixture) : IClassFixture<T> where T : ServerFixture
{
    private KindredTestServer Server => fixture.Server;

    [Fact]
    public async Task On_the_web_an_admin_opens_a_group_members_join_post_with_a_content_warning_and_reply()
    {
        var rig = new GroupRig(Server);
        var admin = await rig.AdminAsync();
        var slug = GroupRig.Slug("anxiety");

        // The admin opens "Living with anxiety" with the form.
        var created = await admin.Web.SubmitAsync("/groups/new", "/groups", new Dictionary<string, string>
        {
            ["slug"] = slug, ["name"] = "Living with anxiety", ["description"] = "Everyday life with anxiety.", ["rules"] = "Be *gentle*.",
            ["visibility"] = "public", ["joinPolicy"] = "open", ["federation"] = "local",
        });
        Assert.Equal(HttpStatusCode.Redirect, created.StatusCode);
        var groupPage = await admin.Web.FollowAsync(created);
        Assert.Equal("Living with anxiety", groupPage.Text("h1"));
        Assert.Contains("Local only", groupPage.Text(".federation-note"));
        Assert.Equal("gentle", groupPage.Text("section[aria-labelledby=rules-title] em"));

        // A member registers, finds the group on the home page, joins and starts a thread with a content warning.
        var alex = await rig.MemberAsync();
        var home = await alex.Web.GetAsync("/");
        Assert.Contains(home.Document.QuerySelectorAll("section[aria-labelledby=discover-title] a"), a => a.TextContent == "Living with anxiety");
        var joined = await alex.Web.SubmitAsync($"/groups/{slug}", $"/groups/{slug}/join", new Dictionary<string, string>());
        Assert.Equal(HttpStatusCode.Redirect, joined.StatusCode);
        var posted = await alex.Web.SubmitAsync($"/groups/{slug}/threads/new", $"/groups/{slug}/threads", new Dictionary<string, string>
        {
            ["title"] = "Bad night again", ["content"] = "I could not sleep and my **heart** was racing.", ["contentWarning"] = "panic attack",
        });
        Assert.Equal(HttpStatusCode.Redirect, posted.StatusCode);
        var thread = await alex.Web.FollowAsync(posted);
        var threadUrl = posted.Headers.Location!.OriginalString.Split('?')[0];
        Assert.Equal("Bad night again", thread.Text("h1"));
        var details = thread.Document.QuerySelector("article.thread details.content-warning");
        Assert.NotNull(details);
        Assert.Equal("Content warning: panic attack", details.QuerySelector("summary")!.TextContent.Trim());
        Assert.Equal("heart", details.QuerySelector(".prose strong")!.TextContent);
        Assert.Null(details.GetAttribute("open"));

        // Another member sees it waiting for a reply, on the group page and (once a member) on their home page.
        var sam = await rig.MemberAsync();
        Assert.Contains("Bad night again", GroupRig.Titles(await sam.Web.GetAsync($"/groups/{slug}"), "waiting-title"));
        await sam.Web.SubmitAsync($"/groups/{slug}", $"/groups/{slug}/join", new Dictionary<string, string>());
        Assert.Contains("Bad night again", GroupRig.Titles(await sam.Web.GetAsync("/"), "waiting-title"));

        var replied = await sam.Web.SubmitAsync(threadUrl, $"{threadUrl}/replies", new Dictionary<string, string> { ["content"] = "That sounds exhausting. I hear you." });
        Assert.Equal(HttpStatusCode.Redirect, replied.StatusCode);
        var after = await sam.Web.FollowAsync(replied);
        Assert.Equal("That sounds exhausting. I hear you.", after.Text("ol.replies li .prose"));

        // The thread has left "waiting for a reply" everywhere.
        Assert.DoesNotContain("Bad night again", GroupRig.Titles(await sam.Web.GetAsync("/"), "waiting-title"));
        Assert.DoesNotContain("Bad night again", GroupRig.Titles(await alex.Web.GetAsync($"/groups/{slug}"), "waiting-title"));
        Assert.Contains("Bad night again", GroupRig.Titles(await alex.Web.GetAsync($"/groups/{slug}"), "threads-title"));

        // Alex is told about the reply.
        var notifications = await alex.Web.GetAsync("/notifications");
        Assert.Contains(sam.Name + " replied in", notifications.Text(".notifications li.unread"));
    }

    [Fact]
    public async Task A_members_only_group_stays_invisible_to_outsiders_on_the_web()
    {
        var rig = new GroupRig(Server);
        var admin = await rig.AdminAsync();
        var slug = await rig.GroupAsync(admin, visibility: "members");
        var thread = await rig.ThreadAsync(admin, slug, "Private matters");
        var outsider = await rig.MemberAsync();
        using var anonymous = Server.NewSession();

        foreach (var web in new[] { outsider.Web, anonymous })
        {
            Assert.Equal(HttpStatusCode.NotFound, (await web.GetAsync($"/groups/{slug}")).Status);
            Assert.Equal(HttpStatusCode.NotFound, (await web.GetAsync($"/groups/{slug.ToUpperInvariant()}")).Status);
            Assert.Equal(HttpStatusCode.NotFound, (await web.GetAsync($"/threads/{thread}")).Status);
            Assert.Equal(HttpStatusCode.NotFound, (await web.GetAsync($"/groups/{slug}/waiting")).Status);
            Assert.DoesNotContain(slug, (await web.GetAsync("/groups")).Document.DocumentElement.OuterHtml, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(slug, (await web.GetAsync("/")).Document.DocumentElement.OuterHtml, StringComparison.OrdinalIgnoreCase);
        }

        // Joining by guessing the address does not work either; an invitation does.
        var join = await outsider.Web.Http.PostAsync($"/groups/{slug}/join", new FormUrlEncodedContent([]));
        Assert.NotEqual(HttpStatusCode.Redirect, join.StatusCode);
        await rig.JsonAsync(HttpMethod.Post, $"/api/v1/groups/{slug}/invitations", admin.Token, new { username = outsider.Name }, HttpStatusCode.NoContent);
        var invited = await outsider.Web.GetAsync($"/groups/{slug}");
        Assert.Equal(HttpStatusCode.OK, invited.Status);
        Assert.Empty(GroupRig.Titles(invited, "threads-title"));
        await outsider.Web.SubmitAsync(invited, $"/groups/{slug}/join", new Dictionary<string, string>());
        Assert.Equal(HttpStatusCode.OK, (await outsider.Web.GetAsync($"/threads/{thread}")).Status);
    }

    [Fact]
    public async Task Through_the_api_the_same_flow_works_and_members_only_groups_answer_404()
    {
        var rig = new GroupRig(Server);
        var admin = await rig.AdminAsync();
        var slug = GroupRig.Slug("anxiety");
        var group = await rig.JsonAsync(HttpMethod.Post, "/api/v1/groups", admin.Token, new
        {
            slug, name = "Living with anxiety", description = "Everyday life.", rules = "Be kind.", visibility = "public", joinPolicy = "open",
        }, HttpStatusCode.Created);
        Assert.Equal("local", group.GetProperty("federation").GetString());
        Assert.Equal("owner", group.GetProperty("myRole").GetString());

        var alex = await rig.MemberAsync();
        var sam = await rig.MemberAsync();
        Assert.Equal("joined", (await rig.JsonAsync(HttpMethod.Post, $"/api/v1/groups/{slug}/membership", alex.Token, new { }, HttpStatusCode.Created)).GetProperty("status").GetString());
        await rig.JoinAsync(sam, slug);

        var thread = await rig.JsonAsync(HttpMethod.Post, $"/api/v1/groups/{slug}/threads", alex.Token,
            new { title = "Bad night again", content = "My *heart* was racing.", contentWarning = "panic attack" }, HttpStatusCode.Created);
        var id = thread.GetProperty("id").GetGuid();
        Assert.Equal($"{Server.BaseAddress.OriginalString.TrimEnd('/')}/threads/{id}", thread.GetProperty("url").GetString());
        Assert.Equal("panic attack", thread.GetProperty("contentWarning").GetString());
        Assert.Contains("<em>heart</em>", thread.GetProperty("contentHtml").GetString());

        var waiting = await rig.JsonAsync(HttpMethod.Get, "/api/v1/waiting", sam.Token);
        Assert.Contains(waiting.GetProperty("items").EnumerateArray(), t => t.GetProperty("id").GetGuid() == id);

        var reply = await rig.JsonAsync(HttpMethod.Post, $"/api/v1/threads/{id}/replies", sam.Token, new { content = "I hear you." }, HttpStatusCode.Created);
        var replyId = reply.GetProperty("id").GetGuid();
        await rig.JsonAsync(HttpMethod.Post, $"/api/v1/threads/{id}/replies", alex.Token, new { content = "Thank you.", inReplyTo = replyId }, HttpStatusCode.Created);

        waiting = await rig.JsonAsync(HttpMethod.Get, "/api/v1/waiting", sam.Token);
        Assert.DoesNotContain(waiting.GetProperty("items").EnumerateArray(), t => t.GetProperty("id").GetGuid() == id);
        var read = await rig.JsonAsync(HttpMethod.Get, $"/api/v1/threads/{id}", sam.Token);
        Assert.False(read.GetProperty("thread").GetProperty("waiting").GetBoolean());
        var replies = read.GetProperty("replies").GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(2, replies.Count);
        Assert.Equal(replyId, replies[1].GetProperty("inReplyTo").GetGuid());
        Assert.Equal(1, replies[1].GetProperty("depth").GetInt32());

        var notifications = await rig.JsonAsync(HttpMethod.Get, "/api/v1/notifications", sam.Token);
        Assert.Equal("reply", notifications.GetProperty("items")[0].GetProperty("kind").GetString());

        // Members-only: 404 to outsiders, never listed.
        var hidden = await rig.GroupAsync(admin, visibility: "members");
        var hiddenThread = await rig.ThreadAsync(admin, hidden);
        var outsider = await rig.MemberAsync();
        Assert.Equal(HttpStatusCode.NotFound, (await rig.SendAsync(HttpMethod.Get, $"/api/v1/groups/{hidden}", outsider.Token)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await rig.SendAsync(HttpMethod.Get, $"/api/v1/threads/{hiddenThread}", outsider.Token)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await rig.SendAsync(HttpMethod.Get, $"/api/v1/groups/{hidden}/threads", outsider.Token)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await rig.SendAsync(HttpMethod.Post, $"/api/v1/groups/{hidden}/membership", outsider.Token, new { })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await rig.SendAsync(HttpMethod.Post, $"/api/v1/threads/{hiddenThread}/replies", outsider.Token, new { content = "hi" })).StatusCode);
        var all = await rig.JsonAsync(HttpMethod.Get, "/api/v1/groups", outsider.Token);
        Assert.DoesNotContain(all.GetProperty("items").EnumerateArray(), g => g.GetProperty("slug").GetString() == hidden);
        var adminList = await rig.JsonAsync(HttpMethod.Get, "/api/v1/groups?mine=true", admin.Token);
        Assert.Contains(adminList.GetProperty("items").EnumerateArray(), g => g.GetProperty("slug").GetString() == hidden);
    }

    [Fact]
    public async Task The_openapi_document_names_every_group_and_thread_endpoint()
    {
        using var session = Server.NewSession();
        var json = System.Text.Json.JsonDocument.Parse(await session.Http.GetStringAsync("/openapi/v1.json")).RootElement;
        var operations = json.GetProperty("paths").EnumerateObject()
            .SelectMany(p => p.Value.EnumerateObject().Select(o => (Path: p.Name, Method: o.Name, Id: o.Value.TryGetProperty("operationId", out var id) ? id.GetString() : null)))
            .ToList();
        foreach (var (method, path, id) in new[]
                 {
                     ("get", "/api/v1/groups", "ListGroups"), ("post", "/api/v1/groups", "CreateGroup"), ("get", "/api/v1/groups/{slug}", "GetGroup"),
                     ("patch", "/api/v1/groups/{slug}", "UpdateGroup"), ("post", "/api/v1/groups/{slug}/membership", "JoinGroup"),
                     ("delete", "/api/v1/groups/{slug}/membership", "LeaveGroup"), ("get", "/api/v1/groups/{slug}/threads", "ListThreads"),
                     ("post", "/api/v1/groups/{slug}/threads", "StartThread"), ("get", "/api/v1/threads/{id}", "GetThread"),
                     ("post", "/api/v1/threads/{id}/replies", "ReplyToThread"), ("patch", "/api/v1/posts/{id}", "EditPost"),
                     ("delete", "/api/v1/posts/{id}", "DeletePost"), ("get", "/api/v1/groups/{slug}/join-requests", "ListJoinRequests"),
                     ("post", "/api/v1/groups/{slug}/join-requests/{id}/approve", "ApproveJoinRequest"), ("get", "/api/v1/notifications", "ListNotifications"),
                     ("get", "/api/v1/waiting", "ListWaiting"),
                 })
        {
            Assert.Contains((path, method, id), operations);
        }

        // Web pages are not API operations.
        Assert.DoesNotContain(operations, o => o.Path.StartsWith("/groups", StringComparison.Ordinal) || o.Path.StartsWith("/threads", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_api_needs_a_token()
    {
        using var anonymous = Server.NewSession();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.Http.GetAsync("/api/v1/groups")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostJsonAsync("/api/v1/groups", new { slug = "x" })).StatusCode);
    }
}

public sealed class GroupFlowTestsOnSqlite(SqliteServer f) : GroupFlowTests<SqliteServer>(f);

public sealed class GroupFlowTestsOnPostgres(PostgresServer f) : GroupFlowTests<PostgresServer>(f);
