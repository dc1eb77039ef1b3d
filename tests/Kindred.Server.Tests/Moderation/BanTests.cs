using System.Net;
using System.Text.Json;
using Kindred.Server.Tests.GroupFederation;
using Kindred.Server.Tests.Groups;
using Kindred.Server.Tests.TestRig;
using Kindred.Server.Web;

namespace Kindred.Server.Tests.Moderation;

/// <summary>
/// Members from other servers are listed and counted (issue 11 item 8); moderators remove, ban and unban members here
/// and elsewhere (issue 12): a ban keeps them out (no rejoin, so no posting or reacting), can remove what they wrote,
/// and a remote ban goes out as the group's Block / Undo(Block) in Lemmy's shape.
/// </summary>
public abstract class BanTests<T>(T fixture) : IClassFixture<T> where T : ServerFixture
{
    private GroupFedRig Fed => new(fixture.Server);

    private GroupRig Rig => Fed.Groups;

    [Fact]
    public async Task Remote_members_are_listed_with_name_at_host_and_counted()
    {
        var rig = Rig;
        using var remote = new FakeRemote();
        var owner = await rig.AdminAsync();
        var slug = await Fed.GroupAsync(owner);
        await Fed.FollowAsync(remote, slug);
        var name = $"harriet@{remote.Origin.Authority}";

        var members = await rig.JsonAsync(HttpMethod.Get, $"/api/v1/groups/{slug}/members", owner.Token);
        var harriet = members.GetProperty("items").EnumerateArray().Single(m => m.GetProperty("username").GetString() == name);
        Assert.True(harriet.GetProperty("remote").GetBoolean());
        Assert.Equal(2, (await rig.JsonAsync(HttpMethod.Get, $"/api/v1/groups/{slug}", owner.Token)).GetProperty("memberCount").GetInt64());
        var page = await owner.Web.GetAsync($"/groups/{slug}/members");
        Assert.Contains(name, page.Document.DocumentElement.OuterHtml, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_banned_local_member_leaves_cannot_rejoin_or_post_and_may_return_once_unbanned()
    {
        var rig = Rig;
        var owner = await rig.AdminAsync();
        var slug = await Fed.GroupAsync(owner);
        var troll = await rig.MemberAsync();
        await rig.JoinAsync(troll, slug);
        var thread = await rig.ThreadAsync(troll, slug, "Spam", "Buy now");

        var ban = await rig.JsonAsync(HttpMethod.Post, $"/api/v1/groups/{slug}/bans", owner.Token,
            new { member = troll.Name, reason = "Spam.", removeContent = true }, HttpStatusCode.Created);
        Assert.Equal(troll.Name, ban.GetProperty("member").GetString());
        var rejoin = await rig.SendAsync(HttpMethod.Post, $"/api/v1/groups/{slug}/membership", troll.Token, new { });
        Assert.Equal(HttpStatusCode.Forbidden, rejoin.StatusCode);
        Assert.Contains("banned", await rejoin.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.NotEqual(HttpStatusCode.Created, (await rig.SendAsync(HttpMethod.Post, $"/api/v1/groups/{slug}/threads", troll.Token, new { title = "x", content = "y" })).StatusCode);
        var removed = (await rig.JsonAsync(HttpMethod.Get, $"/api/v1/threads/{thread}", owner.Token)).GetProperty("thread");
        Assert.True(removed.GetProperty("removed").GetBoolean());
        var list = await rig.JsonAsync(HttpMethod.Get, $"/api/v1/groups/{slug}/bans", owner.Token);
        Assert.Single(list.GetProperty("items").EnumerateArray());
        await rig.JsonAsync(HttpMethod.Post, $"/api/v1/groups/{slug}/bans", owner.Token, new { member = troll.Name, reason = "again" }, HttpStatusCode.Conflict);

        var notes = await rig.JsonAsync(HttpMethod.Get, "/api/v1/notifications", troll.Token);
        Assert.Contains(notes.GetProperty("items").EnumerateArray(), n => n.GetProperty("kind").GetString() == "banned");

        await rig.JsonAsync(HttpMethod.Delete, $"/api/v1/groups/{slug}/bans/{troll.Name}", owner.Token, expect: HttpStatusCode.NoContent);
        await rig.JoinAsync(troll, slug);
    }

    [Fact]
    public async Task Only_moderators_ban_or_remove_unknown_members_are_404_and_hidden_groups_stay_hidden()
    {
        var rig = Rig;
        var owner = await rig.AdminAsync();
        var slug = await Fed.GroupAsync(owner);
        var member = await rig.MemberAsync();
        var other = await rig.MemberAsync();
        await rig.JoinAsync(member, slug);
        await rig.JoinAsync(other, slug);
        var outsider = await rig.MemberAsync();

        var forbidden = await rig.SendAsync(HttpMethod.Post, $"/api/v1/groups/{slug}/bans", member.Token, new { member = other.Name, reason = "x" });
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        Assert.Contains("Only the group's moderators can ban members.", await forbidden.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, (await rig.SendAsync(HttpMethod.Delete, $"/api/v1/groups/{slug}/members/{other.Name}", outsider.Token)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await rig.SendAsync(HttpMethod.Get, $"/api/v1/groups/{slug}/bans", member.Token)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await rig.SendAsync(HttpMethod.Post, $"/api/v1/groups/{slug}/bans", owner.Token, new { member = "nobody-here", reason = "x" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await rig.SendAsync(HttpMethod.Delete, $"/api/v1/groups/{slug}/members/nobody-here", owner.Token)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await rig.SendAsync(HttpMethod.Post, $"/api/v1/groups/{slug}/bans", owner.Token, new { member = other.Name })).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await rig.SendAsync(HttpMethod.Post, $"/api/v1/groups/{slug}/bans", owner.Token, new { member = owner.Name, reason = "x" })).StatusCode);

        // Removing without a ban: they may come back.
        await rig.JsonAsync(HttpMethod.Delete, $"/api/v1/groups/{slug}/members/{other.Name}", owner.Token, expect: HttpStatusCode.NoContent);
        await rig.JoinAsync(other, slug);

        var hidden = await Fed.GroupAsync(owner, "members", "invite");
        Assert.Equal(HttpStatusCode.NotFound, (await rig.SendAsync(HttpMethod.Post, $"/api/v1/groups/{hidden}/bans", outsider.Token, new { member = member.Name, reason = "x" })).StatusCode);
    }

    [Fact]
    public async Task A_remote_ban_is_the_moderators_Block_in_Lemmys_shape_to_the_members_and_their_server_and_refuses_a_rejoin()
    {
        var rig = Rig;
        using var remote = new FakeRemote();
        using var other = new FakeRemote("olu", "127.0.0.2");
        var owner = await rig.AdminAsync();
        var slug = await Fed.GroupAsync(owner);
        await Fed.FollowAsync(remote, slug);
        await Fed.FollowAsync(other, slug);
        var moderator = fixture.Server.Get<ActorUrls>().User(owner.Name);
        var name = $"harriet@{remote.Origin.Authority}";

        await rig.JsonAsync(HttpMethod.Post, $"/api/v1/groups/{slug}/bans", owner.Token,
            new { member = name, reason = "Abuse.", expiresAt = DateTimeOffset.UtcNow.AddDays(7), removeContent = true }, HttpStatusCode.Created);
        var blocks = (await Fed.JobsAsync(moderator)).Select(GroupFedRig.Parse).Where(j => (string?)j["type"] == "Block").ToList();
        Assert.NotEmpty(blocks);
        var block = blocks[0];
        Assert.Equal((remote.ActorId.AbsoluteUri, Fed.GroupId(slug).AbsoluteUri, "Abuse.", true),
            ((string?)block["object"], (string?)block["target"], (string?)block["summary"], (bool?)block["removeData"]));
        Assert.NotNull((string?)block["endTime"]);
        Assert.NotEmpty(await Fed.JobsAsync(moderator, remote.Inbox)); // their own server is told
        Assert.Null(await Fed.MemberStateAsync(slug, remote.ActorId));

        // Following again is refused while banned.
        await Fed.FollowAsync(remote, slug);
        Assert.Null(await Fed.MemberStateAsync(slug, remote.ActorId));

        await rig.JsonAsync(HttpMethod.Delete, $"/api/v1/groups/{slug}/bans/{Uri.EscapeDataString(name)}", owner.Token, expect: HttpStatusCode.NoContent);
        var undo = (await Fed.JobsAsync(moderator)).Select(GroupFedRig.Parse).Single(j => (string?)j["type"] == "Undo");
        Assert.Equal("Block", (string?)undo["object"]!["type"]);
        Assert.Equal((string?)block["id"], (string?)undo["object"]!["id"]);
        await Fed.FollowAsync(remote, slug);
        Assert.Equal("member", await Fed.MemberStateAsync(slug, remote.ActorId));
    }
}

public sealed class BanTestsOnSqlite(FederatedSqliteServer f) : BanTests<FederatedSqliteServer>(f);

public sealed class BanTestsOnPostgres(FederatedPostgresServer f) : BanTests<FederatedPostgresServer>(f);
