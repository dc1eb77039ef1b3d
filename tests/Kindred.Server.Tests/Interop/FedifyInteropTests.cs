using Dapper;
using Kindred.Server.Data;
using Kindred.Server.Tests.TestRig;
using Kindred.Server.Web;

namespace Kindred.Server.Tests.Interop;

/// <summary>
/// Kindred against a real, independent ActivityPub implementation (Fedify, via tests/interop/fedify-peer) on
/// loopback: the peer finds a member over WebFinger, fetches the Person with a signed GET, parses it, and sends a
/// signed Follow that our inbox accepts; the worker records the follower and queues the Accept for delivery.
/// </summary>
public sealed class FedifyInteropTests(FederatedSqliteServer server, FedifyPeer peer) : IClassFixture<FederatedSqliteServer>, IClassFixture<FedifyPeer>
{
    [Fact]
    public async Task Fedify_looks_up_a_member_by_acct_and_signed_fetch_and_its_signed_Follow_is_accepted()
    {
        peer.EnsureAvailable();
        var s = server.Server;
        var name = await Accounts.RegisterAsync(s);
        var actor = new Uri(s.BaseAddress, $"/users/{name}").AbsoluteUri;

        var lookup = await peer.PostAsync("/_peer/lookup", new { id = $"acct:{name}@{s.BaseAddress.Host}:{s.BaseAddress.Port}", signed = true });
        Assert.True(lookup.GetProperty("ok").GetBoolean(), $"{lookup}\n{peer.Log}");
        var summary = lookup.GetProperty("summary");
        Assert.Equal("Person", summary.GetProperty("type").GetString());
        Assert.Equal(actor, summary.GetProperty("id").GetString());
        Assert.Equal(actor + "/inbox", summary.GetProperty("inbox").GetString());
        Assert.True(summary.GetProperty("publicKeys").GetArrayLength() > 0, summary.ToString());
        Assert.True(summary.GetProperty("assertionMethods").GetArrayLength() > 0, summary.ToString() + lookup.GetProperty("raw"));
        // Signed fetch: the full document (with the display name), not the minimal one for anonymous requests.
        Assert.Equal(name, lookup.GetProperty("raw").GetProperty("name").GetString());

        var follow = await peer.PostAsync("/_peer/follow", new { @object = actor });
        Assert.True(follow.GetProperty("ok").GetBoolean(), $"{follow}\n{peer.Log}");
        Assert.Equal(202, follow.GetProperty("deliveries")[0].GetProperty("status").GetInt32());

        await using var c = await s.Get<Database>().OpenAsync();
        await Waiting.ForRowAsync(c, "SELECT COUNT(*) FROM remote_followers WHERE local_actor_id = @actor AND follower_id = @peer",
            new { actor, peer = peer.ActorId });

        // The delivery worker signs our Accept; Fedify verifies it and marks the follow accepted.
        string? state = null;
        await Eventually.UntilAsync("Fedify to mark the follow accepted", async () =>
        {
            var info = await peer.GetAsync("/_peer/info");
            state = info.GetProperty("following").EnumerateArray()
                .Where(f => f.GetProperty("target").GetString() == actor)
                .Select(f => f.GetProperty("state").GetString()).FirstOrDefault();
            return state == "accepted";
        }, () => Task.FromResult($"follow state {state}\n{peer.Log}"));
    }

    [Fact]
    public async Task Fedify_parses_the_instance_actor_unsigned()
    {
        peer.EnsureAvailable();
        var instance = new Uri(server.Server.BaseAddress, "/actor").AbsoluteUri;
        var lookup = await peer.PostAsync("/_peer/lookup", new { id = instance, signed = false });
        Assert.True(lookup.GetProperty("ok").GetBoolean(), $"{lookup}\n{peer.Log}");
        Assert.Equal("Application", lookup.GetProperty("summary").GetProperty("type").GetString());
    }
}
