using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Kindred.ActivityPub.Json;
using Kindred.Server.Tests.TestRig;
using Kindred.Server.Web;

namespace Kindred.Server.Tests.GroupFederation;

/// <summary>Remote actors join our groups by Follow (FEP-1b12): Accept, the join queue, Reject, Undo.</summary>
public abstract class GroupMembershipTests<T>(T fixture) : IClassFixture<T> where T : ServerFixture
{
    private GroupFedRig Rig => new(fixture.Server);

    private static string Hash(string s) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(s)))[..32];

    [Fact]
    public async Task A_Follow_of_an_open_group_makes_a_remote_member_and_queues_the_exact_Accept_and_Undo_leaves()
    {
        var rig = Rig;
        using var remote = new FakeRemote();
        var owner = await rig.Groups.AdminAsync();
        var slug = await rig.GroupAsync(owner);
        var group = rig.GroupId(slug).AbsoluteUri;

        var follow = await rig.FollowAsync(remote, slug);
        Assert.Equal("member", await rig.MemberStateAsync(slug, remote.ActorId));

        var followId = (string)follow["id"]!;
        var accept = Assert.Single(await rig.JobsAsync(rig.GroupId(slug), remote.Inbox));
        var context = JsonSerializer.Serialize(GroupFedRig.Parse(accept)["@context"]);
        Assert.Equal(
            "{\"@context\":" + context + ",\"id\":\"" + group + "#accepts/" + Hash(followId) + "\",\"type\":\"Accept\",\"actor\":\"" + group + "\","
            + "\"object\":{\"id\":\"" + followId + "\",\"type\":\"Follow\",\"actor\":\"" + remote.ActorId.AbsoluteUri + "\",\"object\":\"" + group + "\",\"to\":[\"" + group + "\"]},"
            + "\"to\":[\"" + remote.ActorId.AbsoluteUri + "\"]}",
            accept);

        // Outsiders see how many are in the group, never who.
        using var http = new HttpClient();
        http.DefaultRequestHeaders.Accept.ParseAdd("application/activity+json");
        var followers = GroupFedRig.Parse(await http.GetStringAsync(new Uri(group + "/followers")));
        Assert.Equal(2, (long)followers["totalItems"]!);
        Assert.Null(followers["orderedItems"]);

        // The group's owner (a moderator) sees the list.
        owner.Web.Http.DefaultRequestHeaders.Accept.ParseAdd("application/activity+json");
        var list = GroupFedRig.Parse(await owner.Web.Http.GetStringAsync(new Uri(group + "/followers")));
        Assert.Contains(remote.ActorId.AbsoluteUri, list["orderedItems"]!.AsArray().Select(n => (string?)n));

        var undo = ActivityJson.Undo(new Uri($"{remote.Origin}activities/{Guid.NewGuid():N}"), remote.ActorId, follow, [rig.GroupId(slug)]);
        await rig.DeliverAsync(remote, undo);
        Assert.Null(await rig.MemberStateAsync(slug, remote.ActorId));
    }

    [Fact]
    public async Task A_Follow_of_an_approval_group_waits_for_a_moderator_who_approves_it_and_the_Accept_is_queued()
    {
        var rig = Rig;
        using var remote = new FakeRemote("quinn");
        var owner = await rig.Groups.AdminAsync();
        var slug = await rig.GroupAsync(owner, joinPolicy: "approval");

        await rig.FollowAsync(remote, slug);
        Assert.Equal("pending", await rig.MemberStateAsync(slug, remote.ActorId));
        Assert.Empty(await rig.JobsAsync(rig.GroupId(slug)));

        var queue = await rig.Groups.JsonAsync(HttpMethod.Get, $"/api/v1/groups/{slug}/join-requests", owner.Token);
        var request = Assert.Single(queue.GetProperty("items").EnumerateArray());
        Assert.Equal($"quinn@{remote.Origin.Authority}", request.GetProperty("username").GetString());
        Assert.Equal(remote.ActorId.AbsoluteUri, request.GetProperty("profileUrl").GetString());

        // The web queue shows the profile link too.
        var page = await owner.Web.GetAsync($"/groups/{slug}/members");
        Assert.Contains(page.Document.QuerySelectorAll("a"), a => a.GetAttribute("href") == remote.ActorId.AbsoluteUri);

        var id = request.GetProperty("id").GetGuid();
        await rig.Groups.JsonAsync(HttpMethod.Post, $"/api/v1/groups/{slug}/join-requests/{id}/approve", owner.Token, expect: HttpStatusCode.NoContent);
        Assert.Equal("member", await rig.MemberStateAsync(slug, remote.ActorId));
        var accept = GroupFedRig.Parse(Assert.Single(await rig.JobsAsync(rig.GroupId(slug), remote.Inbox)));
        Assert.Equal("Accept", (string?)accept["type"]);
        Assert.Equal(remote.ActorId.AbsoluteUri, (string?)accept["object"]!["actor"]);
    }

    [Fact]
    public async Task Local_only_invite_only_and_members_only_groups_Reject_unless_invited()
    {
        var rig = Rig;
        var owner = await rig.Groups.AdminAsync();
        foreach (var (visibility, policy, federation) in new[] { ("public", "open", "local"), ("public", "invite", "federated"), ("members", "open", "federated") })
        {
            using var remote = new FakeRemote();
            var slug = await rig.GroupAsync(owner, visibility, policy, federation);
            await rig.FollowAsync(remote, slug);
            Assert.Null(await rig.MemberStateAsync(slug, remote.ActorId));
            var reject = GroupFedRig.Parse(Assert.Single(await rig.JobsAsync(rig.GroupId(slug), remote.Inbox)));
            Assert.Equal("Reject", (string?)reject["type"]);
        }

        using var invited = new FakeRemote("invited");
        var quiet = await rig.GroupAsync(owner, "members", "invite");
        await rig.InviteRemoteAsync(quiet, invited.ActorId);
        await rig.FollowAsync(invited, quiet);
        Assert.Equal("member", await rig.MemberStateAsync(quiet, invited.ActorId));
        Assert.Equal("Accept", (string?)GroupFedRig.Parse(Assert.Single(await rig.JobsAsync(rig.GroupId(quiet), invited.Inbox)))["type"]);
    }
}

public sealed class GroupMembershipTestsOnSqlite(FederatedSqliteServer f) : GroupMembershipTests<FederatedSqliteServer>(f);

public sealed class GroupMembershipTestsOnPostgres(FederatedPostgresServer f) : GroupMembershipTests<FederatedPostgresServer>(f);
