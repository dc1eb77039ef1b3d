using System.Net;
using System.Text.Json;
using Kindred.Server.Tests.TestRig;
using Kindred.Server.Web;

namespace Kindred.Server.Tests.RemoteGroups;

/// <summary>A member joins a group on another server by its address: WebFinger, Follow, then the group's Accept or Reject.</summary>
public abstract class JoinByAddressTests<T>(T fixture) : IClassFixture<T> where T : ServerFixture
{
    private RemoteGroupRig Rig => new(fixture.Server);

    [Fact]
    public async Task Joining_by_address_sends_a_Follow_and_is_pending_until_the_group_accepts()
    {
        using var group = new FakeGroupServer();
        var rig = Rig;
        var member = await rig.Groups.MemberAsync();
        var follow = await rig.AskToJoinAsync(member, group);

        var memberId = new Uri(rig.Server.BaseAddress, $"/users/{member.Name.ToLowerInvariant()}").AbsoluteUri;
        Assert.Equal("Follow", (string?)follow["type"]);
        Assert.Equal(memberId, (string?)follow["actor"]);
        Assert.Equal(group.GroupId.AbsoluteUri, (string?)follow["object"]);
        Assert.Equal([group.GroupId.AbsoluteUri], follow["to"]!.AsArray().Select(n => (string?)n));
        Assert.StartsWith(memberId + "#follows/", (string?)follow["id"]);

        var state = await rig.Groups.JsonAsync(HttpMethod.Get, $"/api/v1/groups/{group.Address}/membership", member.Token);
        Assert.Equal("pending", state.GetProperty("status").GetString());
        var mine = await rig.Groups.JsonAsync(HttpMethod.Get, "/api/v1/groups?mine=true", member.Token);
        var listed = mine.GetProperty("items").EnumerateArray().Single(g => g.GetProperty("slug").GetString() == group.Address);
        Assert.Equal("pending", listed.GetProperty("myRemoteState").GetString());
        Assert.Equal(group.Origin.Authority, listed.GetProperty("origin").GetString());
        Assert.Equal("Carers together", listed.GetProperty("name").GetString());
        Assert.Equal("For people caring for someone", listed.GetProperty("description").GetString());
        // Asking again sends nothing new.
        await rig.Groups.JsonAsync(HttpMethod.Post, $"/api/v1/groups/{group.Address}/membership", member.Token, new { }, HttpStatusCode.Accepted);
        Assert.Equal(1, await rig.ScalarAsync<long>("SELECT COUNT(*) FROM delivery_jobs WHERE body LIKE @like", new { like = $"%{(string)follow["id"]!}%" }));

        await rig.DeliverAsync(group, group.Answer("Accept", follow));
        state = await rig.Groups.JsonAsync(HttpMethod.Get, $"/api/v1/groups/{group.Address}/membership", member.Token);
        Assert.Equal("joined", state.GetProperty("status").GetString());
        var joined = await rig.Groups.JsonAsync(HttpMethod.Post, $"/api/v1/groups/{group.Address}/membership", member.Token, new { }, HttpStatusCode.Created);
        Assert.Equal("joined", joined.GetProperty("status").GetString());
        var view = await rig.Groups.JsonAsync(HttpMethod.Get, $"/api/v1/groups/{group.Address}", member.Token);
        Assert.Equal("member", view.GetProperty("myRole").GetString());
        Assert.Equal("federated", view.GetProperty("federation").GetString());

        // Other members here do not see that someone follows it, nor does it claim a local name.
        var other = await rig.Groups.MemberAsync();
        Assert.Equal(HttpStatusCode.NotFound, (await rig.Groups.SendAsync(HttpMethod.Get, $"/api/v1/groups/{group.Address}", other.Token)).StatusCode);
        var discover = await rig.Groups.JsonAsync(HttpMethod.Get, "/api/v1/groups", other.Token);
        Assert.DoesNotContain(discover.GetProperty("items").EnumerateArray(), g => g.GetProperty("slug").GetString() == group.Address);
        Assert.Equal(0, await rig.ScalarAsync<long>("SELECT COUNT(*) FROM handles WHERE name_normalized LIKE @n", new { n = group.Name + "%@%" }));

        // Leaving sends Undo(Follow) with the Follow we sent.
        Assert.Equal(HttpStatusCode.NoContent, (await rig.Groups.SendAsync(HttpMethod.Delete, $"/api/v1/groups/{group.Address}/membership", member.Token)).StatusCode);
        var undo = JsonDocument.Parse(await rig.ScalarAsync<string>("SELECT body FROM delivery_jobs WHERE inbox_url = @inbox AND body LIKE '%\"Undo\"%'",
            new { inbox = group.GroupInbox.AbsoluteUri })).RootElement;
        Assert.Equal(memberId, undo.GetProperty("actor").GetString());
        Assert.Equal((string)follow["id"]!, undo.GetProperty("object").GetProperty("id").GetString());
        Assert.Equal("Follow", undo.GetProperty("object").GetProperty("type").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await rig.Groups.SendAsync(HttpMethod.Get, $"/api/v1/groups/{group.Address}/membership", member.Token)).StatusCode);
    }

    [Fact]
    public async Task A_Reject_from_the_group_leaves_the_member_rejected_and_outside()
    {
        using var group = new FakeGroupServer(manuallyApprovesFollowers: true);
        var rig = Rig;
        var member = await rig.Groups.MemberAsync();
        var follow = await rig.AskToJoinAsync(member, group);
        await rig.DeliverAsync(group, group.Answer("Reject", follow));

        var state = await rig.Groups.JsonAsync(HttpMethod.Get, $"/api/v1/groups/{group.Address}/membership", member.Token);
        Assert.Equal("rejected", state.GetProperty("status").GetString());
        var view = await rig.Groups.JsonAsync(HttpMethod.Get, $"/api/v1/groups/{group.Address}", member.Token);
        Assert.Equal(JsonValueKind.Null, view.GetProperty("myRole").ValueKind);
        Assert.Equal("approval", view.GetProperty("joinPolicy").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await rig.Groups.SendAsync(HttpMethod.Get, $"/api/v1/groups/{group.Address}/threads", member.Token)).StatusCode);
    }

    [Fact]
    public async Task An_Accept_from_another_actor_changes_nothing()
    {
        using var group = new FakeGroupServer();
        var rig = Rig;
        var member = await rig.Groups.MemberAsync();
        var follow = await rig.AskToJoinAsync(member, group);
        var forged = group.Answer("Accept", follow);
        forged["actor"] = group.PersonId.AbsoluteUri;
        await rig.DeliverAsync(group, forged, asPerson: true);
        var state = await rig.Groups.JsonAsync(HttpMethod.Get, $"/api/v1/groups/{group.Address}/membership", member.Token);
        Assert.Equal("pending", state.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Unknown_addresses_people_and_unreachable_servers_get_clear_answers()
    {
        using var group = new FakeGroupServer();
        var rig = Rig;
        var member = await rig.Groups.MemberAsync();

        var unknown = await rig.Groups.SendAsync(HttpMethod.Post, $"/api/v1/groups/nobody@{group.Origin.Authority}/membership", member.Token, new { });
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Contains("no group called", await unknown.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var person = await rig.Groups.SendAsync(HttpMethod.Post, $"/api/v1/groups/harriet@{group.Origin.Authority}/membership", member.Token, new { });
        Assert.Equal(HttpStatusCode.BadRequest, person.StatusCode);
        Assert.Contains("is not a group", await person.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var nobodyListens = LoopbackPort.Reserve();
        var unreachable = await rig.Groups.SendAsync(HttpMethod.Post, $"/api/v1/groups/carers@127.0.0.1:{nobodyListens.Port}/membership", member.Token, new { });
        Assert.Equal(HttpStatusCode.BadGateway, unreachable.StatusCode);

        Assert.Equal(0, await rig.ScalarAsync<long>("SELECT COUNT(*) FROM groups WHERE slug LIKE @s", new { s = $"%@{group.Origin.Authority}" }));
    }
}

public sealed class JoinByAddressTestsOnSqlite(FederatedSqliteServer f) : JoinByAddressTests<FederatedSqliteServer>(f);

public sealed class JoinByAddressTestsOnPostgres(FederatedPostgresServer f) : JoinByAddressTests<FederatedPostgresServer>(f);

/// <summary>Without the test opt-in, the SSRF guard refuses loopback: the answer names our federation policy.</summary>
public sealed class JoinRefusedByPolicyTests(SqliteServer fixture) : IClassFixture<SqliteServer>
{
    [Fact]
    public async Task A_group_on_a_forbidden_address_is_refused_by_policy()
    {
        var rig = new RemoteGroupRig(fixture.Server);
        var member = await rig.Groups.MemberAsync();
        var refused = await rig.Groups.SendAsync(HttpMethod.Post, "/api/v1/groups/carers@127.0.0.1:9/membership", member.Token, new { });
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("federation policy", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
