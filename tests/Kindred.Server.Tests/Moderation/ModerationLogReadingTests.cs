using System.Net;
using System.Text.Json;
using Kindred.Server.Tests.Groups;
using Kindred.Server.Tests.TestRig;

namespace Kindred.Server.Tests.Moderation;

/// <summary>
/// Reading the moderation log (issue 12): members of a group read its log without moderators' names (and without
/// removal reasons the moderator did not show them); the group's moderators and instance admins see names; people
/// who may not read the group get 404; admins read the instance-wide log. The page and the API agree.
/// </summary>
public abstract class ModerationLogReadingTests<T>(T fixture) : IClassFixture<T> where T : ServerFixture
{
    private GroupRig Rig => new(fixture.Server);

    private sealed record Scene(GroupRig.Person Owner, GroupRig.Person Moderator, GroupRig.Person Member, GroupRig.Person Troll, string Slug);

    /// <summary>A members-only group where a moderator (not an admin) removes a troll's thread and a reply, then bans the troll.</summary>
    private async Task<Scene> SceneAsync()
    {
        var rig = Rig;
        var owner = await rig.AdminAsync();
        var slug = await rig.GroupAsync(owner, "members");
        var moderator = await rig.MemberAsync();
        var member = await rig.MemberAsync();
        var troll = await rig.MemberAsync();
        foreach (var p in new[] { moderator, member, troll })
        {
            await rig.JsonAsync(HttpMethod.Post, $"/api/v1/groups/{slug}/invitations", owner.Token, new { username = p.Name }, HttpStatusCode.NoContent);
            await rig.JoinAsync(p, slug);
        }

        await rig.JsonAsync(HttpMethod.Patch, $"/api/v1/groups/{slug}/members/{moderator.Name}", owner.Token, new { role = "moderator" });
        var thread = await rig.ThreadAsync(troll, slug, "Buy now", "Cheap pills");
        var reply = await rig.ReplyAsync(troll, thread, "More pills");
        await rig.JsonAsync(HttpMethod.Post, $"/api/v1/posts/{reply}/remove", moderator.Token, new { reason = "Private note for the author", showReason = false });
        await rig.JsonAsync(HttpMethod.Post, $"/api/v1/posts/{thread}/remove", moderator.Token, new { reason = "Spam", showReason = true });
        await rig.JsonAsync(HttpMethod.Post, $"/api/v1/groups/{slug}/bans", moderator.Token, new { member = troll.Name, reason = "Selling pills" }, HttpStatusCode.Created);
        return new Scene(owner, moderator, member, troll, slug);
    }

    private static List<JsonElement> Items(JsonElement list) => list.GetProperty("items").EnumerateArray().ToList();

    [Fact]
    public async Task Members_see_what_was_done_without_moderator_names_and_moderators_and_admins_see_who()
    {
        var rig = Rig;
        var s = await SceneAsync();

        // A member: every entry, newest first, no names; the reason the moderator kept for the author stays hidden.
        var forMember = Items(await rig.JsonAsync(HttpMethod.Get, $"/api/v1/groups/{s.Slug}/modlog", s.Member.Token));
        Assert.Equal(["member.banned", "post.removed", "post.removed"], forMember.Select(e => e.GetProperty("action").GetString()));
        Assert.All(forMember, e => Assert.Equal(JsonValueKind.Null, e.GetProperty("moderator").ValueKind));
        Assert.Equal(["Selling pills", "Spam", null], forMember.Select(e => e.GetProperty("reason").GetString()));
        Assert.Equal(s.Troll.Name, forMember[0].GetProperty("target").GetString());
        Assert.Equal(s.Slug, forMember[0].GetProperty("group").GetString());

        var memberPage = await s.Member.Web.GetAsync($"/groups/{s.Slug}/modlog");
        Assert.Equal(HttpStatusCode.OK, memberPage.Status);
        var whoCells = memberPage.Document.QuerySelectorAll("table.modlog td.moderator").Select(td => td.TextContent.Trim()).ToList();
        Assert.Equal(["a moderator", "a moderator", "a moderator"], whoCells);
        Assert.DoesNotContain(s.Moderator.Name, memberPage.Document.QuerySelector("main")?.TextContent ?? memberPage.Document.Body!.TextContent, StringComparison.Ordinal);
        Assert.NotNull(memberPage.Document.QuerySelector("table.modlog caption"));
        Assert.Contains("Banned a member", memberPage.Text("table.modlog tbody"), StringComparison.Ordinal);
        Assert.DoesNotContain("Private note for the author", memberPage.Text("table.modlog tbody"), StringComparison.Ordinal);

        // The members page and the group page link to it.
        Assert.NotNull((await s.Member.Web.GetAsync($"/groups/{s.Slug}")).Document.QuerySelector($"a[href='/groups/{s.Slug}/modlog']"));

        // The moderator and the owner (an admin) see names and every reason.
        foreach (var who in new[] { s.Moderator, s.Owner })
        {
            var full = Items(await rig.JsonAsync(HttpMethod.Get, $"/api/v1/groups/{s.Slug}/modlog", who.Token));
            Assert.Equal(3, full.Count);
            Assert.All(full, e => Assert.Equal(s.Moderator.Name, e.GetProperty("moderator").GetString()));
            Assert.Equal("Private note for the author", full[2].GetProperty("reason").GetString());
            var page = await who.Web.GetAsync($"/groups/{s.Slug}/modlog");
            Assert.All(page.Document.QuerySelectorAll("table.modlog td.moderator"), td => Assert.Equal(s.Moderator.Name, td.TextContent.Trim()));
        }

        // The instance log (admins): the same entries with names, the group named.
        var instance = Items(await rig.JsonAsync(HttpMethod.Get, "/api/v1/admin/modlog?limit=100", s.Owner.Token))
            .Where(e => e.GetProperty("group").GetString() == s.Slug).ToList();
        Assert.Equal(3, instance.Count);
        Assert.All(instance, e => Assert.Equal(s.Moderator.Name, e.GetProperty("moderator").GetString()));
        var adminPage = await s.Owner.Web.GetAsync("/admin/modlog");
        Assert.Equal(HttpStatusCode.OK, adminPage.Status);
        Assert.Contains(s.Moderator.Name, adminPage.Text("table.modlog tbody"), StringComparison.Ordinal);
        Assert.NotNull(adminPage.Document.QuerySelector("nav[aria-label=Admin] a[href='/admin/modlog']"));
    }

    [Fact]
    public async Task Outsiders_get_404_and_only_admins_read_the_instance_log()
    {
        var rig = Rig;
        var s = await SceneAsync();
        var outsider = await rig.MemberAsync();

        Assert.Equal(HttpStatusCode.NotFound, (await rig.SendAsync(HttpMethod.Get, $"/api/v1/groups/{s.Slug}/modlog", outsider.Token)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await outsider.Web.GetAsync($"/groups/{s.Slug}/modlog")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await rig.SendAsync(HttpMethod.Get, "/api/v1/groups/no-such-group/modlog", outsider.Token)).StatusCode);
        // The troll was banned, so is no longer a member.
        Assert.Equal(HttpStatusCode.NotFound, (await rig.SendAsync(HttpMethod.Get, $"/api/v1/groups/{s.Slug}/modlog", s.Troll.Token)).StatusCode);

        Assert.Equal(HttpStatusCode.Forbidden, (await rig.SendAsync(HttpMethod.Get, "/api/v1/admin/modlog", s.Moderator.Token)).StatusCode);
        Assert.NotEqual(HttpStatusCode.OK, (await s.Member.Web.GetAsync("/admin/modlog")).Status);
    }

    [Fact]
    public async Task Pages_follow_the_before_cursor_in_the_api_and_on_the_page()
    {
        var rig = Rig;
        var s = await SceneAsync();

        var first = await rig.JsonAsync(HttpMethod.Get, $"/api/v1/groups/{s.Slug}/modlog?limit=2", s.Member.Token);
        Assert.Equal(2, Items(first).Count);
        var next = new Uri(first.GetProperty("next").GetString()!);
        var second = await rig.JsonAsync(HttpMethod.Get, next.PathAndQuery, s.Member.Token);
        Assert.Single(Items(second));
        Assert.Equal(JsonValueKind.Null, second.GetProperty("next").ValueKind);
        Assert.DoesNotContain(Items(second)[0].GetProperty("id").GetGuid(), Items(first).Select(e => e.GetProperty("id").GetGuid()));

        var outOfRange = await rig.JsonAsync(HttpMethod.Get, $"/api/v1/groups/{s.Slug}/modlog?limit=100000&before=not-a-cursor", s.Member.Token);
        Assert.Equal(3, Items(outOfRange).Count);
    }
}

public sealed class ModerationLogReadingTestsOnSqlite(SqliteServer f) : ModerationLogReadingTests<SqliteServer>(f);

public sealed class ModerationLogReadingTestsOnPostgres(PostgresServer f) : ModerationLogReadingTests<PostgresServer>(f);
