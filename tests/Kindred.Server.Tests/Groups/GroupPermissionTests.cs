using System.Net.Http.Json;
using System.Net;
using System.Text.Json;
using Kindred.Server.Tests.TestRig;
using Kindred.Server.Web;

namespace Kindred.Server.Tests.Groups;

/// <summary>Who may do what: creating groups, names, settings, roles and labels, the join queue.</summary>
public abstract class GroupPermissionTests<T>(T fixture) : IClassFixture<T> where T : ServerFixture
{
    private KindredTestServer Server => fixture.Server;

    [Fact]
    public async Task Only_admins_open_groups_by_default()
    {
        var rig = new GroupRig(Server);
        var member = await rig.MemberAsync();
        var response = await rig.SendAsync(HttpMethod.Post, "/api/v1/groups", member.Token, new { slug = GroupRig.Slug(), name = "Mine", visibility = "public", joinPolicy = "open" });
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await member.Web.GetAsync("/groups/new")).Status);
    }

    [Fact]
    public async Task Slugs_share_the_username_namespace_case_insensitively_and_reserved_names_are_refused()
    {
        var rig = new GroupRig(Server);
        var admin = await rig.AdminAsync();
        var slug = await rig.GroupAsync(admin);

        var duplicate = await rig.SendAsync(HttpMethod.Post, "/api/v1/groups", admin.Token, new { slug = slug.ToUpperInvariant(), name = "Again", visibility = "public", joinPolicy = "open" });
        Assert.Equal(HttpStatusCode.Conflict, duplicate.StatusCode);
        var member = await rig.MemberAsync();
        var username = await rig.SendAsync(HttpMethod.Post, "/api/v1/groups", admin.Token, new { slug = member.Name.ToUpperInvariant(), name = "Taken", visibility = "public", joinPolicy = "open" });
        Assert.Equal(HttpStatusCode.Conflict, username.StatusCode);
        var reserved = await rig.SendAsync(HttpMethod.Post, "/api/v1/groups", admin.Token, new { slug = "Admin", name = "Admins", visibility = "public", joinPolicy = "open" });
        Assert.Equal(HttpStatusCode.BadRequest, reserved.StatusCode);
        Assert.True((await reserved.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("slug", out _));

        // A group name cannot be registered as a username afterwards.
        using var session = Server.NewSession();
        var register = await session.PostJsonAsync("/api/v1/accounts", new
        {
            username = slug, email = $"{slug}@example.org", password = Accounts.Password, acceptGuidelines = true, consentToProcessing = true, confirmAge = true,
        });
        Assert.Equal(HttpStatusCode.BadRequest, register.StatusCode);

        // On the web, the error sits next to the field and the input is kept.
        var form = await admin.Web.SubmitAsync("/groups/new", "/groups", new Dictionary<string, string>
        {
            ["slug"] = slug, ["name"] = "Kept name", ["visibility"] = "public", ["joinPolicy"] = "open", ["federation"] = "federated",
        });
        Assert.Equal(HttpStatusCode.BadRequest, form.StatusCode);
        var page = await WebSession.ParseAsync(form);
        Assert.Contains("already used", page.Text("#slug-error"));
        Assert.Equal("Kept name", page.Document.QuerySelector("#name")!.GetAttribute("value"));
        Assert.NotNull(page.Document.QuerySelector("#federation-federated[checked]"));
    }

    [Fact]
    public async Task Bad_group_fields_get_field_errors()
    {
        var rig = new GroupRig(Server);
        var admin = await rig.AdminAsync();
        var response = await rig.SendAsync(HttpMethod.Post, "/api/v1/groups", admin.Token, new { slug = "x", name = "", visibility = "secret", joinPolicy = "maybe", federation = "everywhere" });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        foreach (var field in new[] { "slug", "name", "visibility", "joinPolicy", "federation" })
        {
            Assert.True(errors.TryGetProperty(field, out _), $"no error for {field}: {errors}");
        }
    }

    [Fact]
    public async Task Only_the_owner_changes_settings_and_roles_and_the_federation_note_follows_the_setting()
    {
        var rig = new GroupRig(Server);
        var owner = await rig.AdminAsync();
        var slug = await rig.GroupAsync(owner);
        var member = await rig.MemberAsync();
        await rig.JoinAsync(member, slug);

        Assert.Equal(HttpStatusCode.Forbidden, (await rig.SendAsync(HttpMethod.Patch, $"/api/v1/groups/{slug}", member.Token, new { name = "Mine now" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await member.Web.GetAsync($"/groups/{slug}/settings")).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await rig.SendAsync(HttpMethod.Patch, $"/api/v1/groups/{slug}/members/{owner.Name}", member.Token, new { role = "member" })).StatusCode);

        var saved = await owner.Web.SubmitAsync($"/groups/{slug}/settings", $"/groups/{slug}/settings", new Dictionary<string, string>
        {
            ["name"] = "Renamed", ["description"] = "", ["rules"] = "", ["visibility"] = "public", ["joinPolicy"] = "open", ["joinQuestion"] = "", ["federation"] = "federated",
        });
        Assert.Equal(HttpStatusCode.Redirect, saved.StatusCode);
        var page = await member.Web.GetAsync($"/groups/{slug}");
        Assert.Equal("Renamed", page.Text("h1"));
        Assert.Contains("Posts here are shared with other servers", page.Text(".federation-note"));

        // The owner grants the peer-supporter label; it shows next to the member's posts.
        var changed = await rig.JsonAsync(HttpMethod.Patch, $"/api/v1/groups/{slug}/members/{member.Name}", owner.Token, new { label = "peer_supporter" });
        Assert.Equal("peer_supporter", changed.GetProperty("label").GetString());
        var thread = await rig.ThreadAsync(member, slug);
        Assert.Contains("Peer supporter", (await owner.Web.GetAsync($"/threads/{thread}")).Text("article.thread .meta .tag"));

        // The only owner cannot step down or leave.
        Assert.Equal(HttpStatusCode.Conflict, (await rig.SendAsync(HttpMethod.Patch, $"/api/v1/groups/{slug}/members/{owner.Name}", owner.Token, new { role = "member" })).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await rig.SendAsync(HttpMethod.Delete, $"/api/v1/groups/{slug}/membership", owner.Token)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await rig.SendAsync(HttpMethod.Delete, $"/api/v1/groups/{slug}/membership", member.Token)).StatusCode);
    }

    [Fact]
    public async Task Approval_groups_queue_requests_for_moderators_and_tell_people_the_decision()
    {
        var rig = new GroupRig(Server);
        var owner = await rig.AdminAsync();
        var slug = await rig.GroupAsync(owner, joinPolicy: "approval", question: "What brings you here?");
        var moderator = await rig.MemberAsync();
        await rig.JsonAsync(HttpMethod.Post, $"/api/v1/groups/{slug}/invitations", owner.Token, new { username = moderator.Name }, HttpStatusCode.NoContent);
        await rig.JoinAsync(moderator, slug);
        await rig.JsonAsync(HttpMethod.Patch, $"/api/v1/groups/{slug}/members/{moderator.Name}", owner.Token, new { role = "moderator" });

        var asker = await rig.MemberAsync();
        var noAnswer = await rig.SendAsync(HttpMethod.Post, $"/api/v1/groups/{slug}/membership", asker.Token, new { });
        Assert.Equal(HttpStatusCode.BadRequest, noAnswer.StatusCode);
        var pending = await rig.JsonAsync(HttpMethod.Post, $"/api/v1/groups/{slug}/membership", asker.Token, new { answer = "My doctor suggested it." }, HttpStatusCode.Accepted);
        Assert.Equal("pending", pending.GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.Forbidden, (await rig.SendAsync(HttpMethod.Post, $"/api/v1/groups/{slug}/threads", asker.Token, new { title = "t", content = "c" })).StatusCode);

        // Members cannot see the queue; moderators can, on the web and in the API.
        var member = await rig.MemberAsync();
        await rig.JsonAsync(HttpMethod.Post, $"/api/v1/groups/{slug}/invitations", moderator.Token, new { username = member.Name }, HttpStatusCode.NoContent);
        await rig.JoinAsync(member, slug);
        Assert.Equal(HttpStatusCode.Forbidden, (await rig.SendAsync(HttpMethod.Get, $"/api/v1/groups/{slug}/join-requests", member.Token)).StatusCode);
        Assert.Null((await member.Web.GetAsync($"/groups/{slug}/members")).Document.QuerySelector("#queue-title"));

        var queuePage = await moderator.Web.GetAsync($"/groups/{slug}/members");
        Assert.Contains("My doctor suggested it.", queuePage.Text("section[aria-labelledby=queue-title] blockquote"));
        var queue = await rig.JsonAsync(HttpMethod.Get, $"/api/v1/groups/{slug}/join-requests", moderator.Token);
        var request = queue.GetProperty("items").EnumerateArray().Single(r => r.GetProperty("username").GetString() == asker.Name);
        var approve = $"/groups/{slug}/requests/{request.GetProperty("id").GetGuid()}/approve";
        Assert.Equal(HttpStatusCode.Redirect, (await moderator.Web.SubmitAsync(queuePage, approve, new Dictionary<string, string>())).StatusCode);

        Assert.Equal("member", (await rig.JsonAsync(HttpMethod.Get, $"/api/v1/groups/{slug}", asker.Token)).GetProperty("myRole").GetString());
        var notifications = await asker.Web.GetAsync("/notifications");
        Assert.Contains("You are now a member of", notifications.Text(".notifications li"));

        // Declines are told too, and deciding twice finds nothing.
        var declined = await rig.MemberAsync();
        await rig.JsonAsync(HttpMethod.Post, $"/api/v1/groups/{slug}/membership", declined.Token, new { answer = "Curious." }, HttpStatusCode.Accepted);
        var id = (await rig.JsonAsync(HttpMethod.Get, $"/api/v1/groups/{slug}/join-requests", owner.Token)).GetProperty("items")[0].GetProperty("id").GetGuid();
        await rig.JsonAsync(HttpMethod.Post, $"/api/v1/groups/{slug}/join-requests/{id}/decline", owner.Token, null, HttpStatusCode.NoContent);
        Assert.Equal(HttpStatusCode.NotFound, (await rig.SendAsync(HttpMethod.Post, $"/api/v1/groups/{slug}/join-requests/{id}/approve", owner.Token)).StatusCode);
        Assert.Equal("join_declined", (await rig.JsonAsync(HttpMethod.Get, "/api/v1/notifications", declined.Token)).GetProperty("items")[0].GetProperty("kind").GetString());
        Assert.Null((await rig.JsonAsync(HttpMethod.Get, $"/api/v1/groups/{slug}", declined.Token)).GetProperty("myRole").GetString());
    }

    [Fact]
    public async Task Invite_only_groups_refuse_people_who_were_not_invited()
    {
        var rig = new GroupRig(Server);
        var owner = await rig.AdminAsync();
        var slug = await rig.GroupAsync(owner, joinPolicy: "invite");
        var member = await rig.MemberAsync();
        Assert.Equal(HttpStatusCode.Forbidden, (await rig.SendAsync(HttpMethod.Post, $"/api/v1/groups/{slug}/membership", member.Token, new { })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await rig.SendAsync(HttpMethod.Post, $"/api/v1/groups/{slug}/invitations", owner.Token, new { username = "nobody_here_at_all" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await rig.SendAsync(HttpMethod.Post, $"/api/v1/groups/{slug}/invitations", member.Token, new { username = member.Name })).StatusCode);
        await rig.JsonAsync(HttpMethod.Post, $"/api/v1/groups/{slug}/invitations", owner.Token, new { username = member.Name }, HttpStatusCode.NoContent);
        Assert.Equal("invited", (await rig.JsonAsync(HttpMethod.Get, "/api/v1/notifications", member.Token)).GetProperty("items")[0].GetProperty("kind").GetString());
        await rig.JoinAsync(member, slug);
    }

    [Fact]
    public async Task Unknown_groups_are_404()
    {
        var rig = new GroupRig(Server);
        var member = await rig.MemberAsync();
        Assert.Equal(HttpStatusCode.NotFound, (await rig.SendAsync(HttpMethod.Get, "/api/v1/groups/no_such_group", member.Token)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await rig.SendAsync(HttpMethod.Post, "/api/v1/groups/no_such_group/threads", member.Token, new { title = "t", content = "c" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await member.Web.GetAsync("/groups/no_such_group")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await member.Web.GetAsync($"/threads/{Guid.NewGuid()}")).Status);
    }
}

public sealed class GroupPermissionTestsOnSqlite(SqliteServer f) : GroupPermissionTests<SqliteServer>(f);

public sealed class GroupPermissionTestsOnPostgres(PostgresServer f) : GroupPermissionTests<PostgresServer>(f);
