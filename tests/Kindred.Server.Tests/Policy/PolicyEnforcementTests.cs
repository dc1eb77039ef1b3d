using System.Net;
using System.Text.Json;
using Dapper;
using Kindred.Server.Data;
using Kindred.Server.Federation.Delivery;
using Kindred.Server.Federation.Policy;
using Kindred.Server.Federation.Resolution;
using Kindred.Server.Tests.Delivery;
using Kindred.Server.Tests.GroupFederation;
using Kindred.Server.Tests.TestRig;
using Kindred.Server.Web;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Kindred.Server.Tests.Policy;

/// <summary>The policy at every door (issue 13): the inbox, outbound fetches, delivery; the impact preview; expiry.</summary>
public abstract class PolicyEnforcementTests<T>(T fixture) : IClassFixture<T> where T : ServerFixture
{
    private GroupFedRig Rig => new(fixture.Server);

    private async Task<Guid> BlockAsync(string token, string domain, string severity = "suspend")
    {
        var created = await Rig.Groups.JsonAsync(HttpMethod.Post, "/api/v1/admin/domain-blocks", token, new { domain, severity }, HttpStatusCode.Created);
        return created.GetProperty("id").GetGuid();
    }

    private async Task<long> StoredFromAsync(Uri actor)
    {
        await using var c = await Rig.OpenAsync();
        return await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM inbox_activities WHERE actor_id = @a", new { a = actor.AbsoluteUri });
    }

    [Fact]
    public async Task A_suspended_server_is_refused_at_the_inbox_before_any_key_fetch_and_counted()
    {
        var admin = await Rig.Groups.AdminAsync();
        var slug = await Rig.GroupAsync(admin);
        using var hostile = new FakeRemote("hostile", host: "127.0.0.61");
        var id = await BlockAsync(admin.Token, "127.0.0.61");

        var response = await hostile.PostSignedAsync(Rig.SharedInbox, hostile.Follow(Rig.GroupId(slug)));
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.DoesNotContain(hostile.Server.LogEntries, e => e.RequestMessage.Method == "GET"); // no key fetch
        Assert.Equal(0, await StoredFromAsync(hostile.ActorId));

        var dropped = await Rig.Groups.JsonAsync(HttpMethod.Get, "/api/v1/admin/federation/dropped", admin.Token);
        Assert.Contains(dropped.GetProperty("dropped").EnumerateArray(), r =>
            r.GetProperty("server").GetString() == Hosts.Authority(hostile.ActorId) && r.GetProperty("reason").GetString() == DomainDecision.Suspended
            && r.GetProperty("activityType").GetString() == "Follow");

        // Lifted: the same server is heard again (so the refusal above was the block's doing).
        await Rig.Groups.JsonAsync(HttpMethod.Delete, $"/api/v1/admin/domain-blocks/{id}", admin.Token, expect: HttpStatusCode.NoContent);
        await Rig.FollowAsync(hostile, slug);
        Assert.Equal("member", await Rig.MemberStateAsync(slug, hostile.ActorId));
    }

    [Fact]
    public async Task Silence_and_reject_flags_do_not_refuse_at_the_door()
    {
        var admin = await Rig.Groups.AdminAsync();
        await BlockAsync(admin.Token, "127.0.0.62", "silence");
        var decision = await fixture.Server.Get<FederationPolicy>().DecideAsync("127.0.0.62:1234", CancellationToken.None);
        Assert.False(decision.Refused);
        Assert.True(decision.Silenced);
    }

    [Fact]
    public async Task Allowlist_mode_refuses_unlisted_servers_and_hears_listed_ones()
    {
        var admin = await Rig.Groups.AdminAsync();
        var slug = await Rig.GroupAsync(admin);
        using var stranger = new FakeRemote("stranger", host: "127.0.0.63");
        using var partner = new FakeRemote("partner", host: "127.0.0.64");
        await Rig.Groups.JsonAsync(HttpMethod.Post, "/api/v1/admin/domain-allows", admin.Token, new { domain = "127.0.0.64", publicComment = "partner charity" }, HttpStatusCode.Created);
        await Rig.Groups.JsonAsync(HttpMethod.Put, "/api/v1/admin/federation", admin.Token, new { mode = "allowlist" });
        try
        {
            Assert.Equal(HttpStatusCode.Forbidden, (await stranger.PostSignedAsync(Rig.SharedInbox, stranger.Follow(Rig.GroupId(slug)))).StatusCode);
            Assert.Equal(0, await StoredFromAsync(stranger.ActorId));
            await Rig.FollowAsync(partner, slug);
            Assert.Equal("member", await Rig.MemberStateAsync(slug, partner.ActorId));

            // Nothing is fetched from an unlisted server either.
            var ex = await Assert.ThrowsAsync<ResolutionException>(() => fixture.Server.Get<RemoteFetcher>().GetAsync(stranger.ActorId, CancellationToken.None));
            Assert.Equal(ResolutionFailure.Refused, ex.Failure);
            Assert.DoesNotContain(stranger.Server.LogEntries, e => e.RequestMessage.Method == "GET");
        }
        finally
        {
            await Rig.Groups.JsonAsync(HttpMethod.Put, "/api/v1/admin/federation", admin.Token, new { mode = "blocklist" });
        }
    }

    [Fact]
    public async Task Nothing_is_queued_for_a_suspended_server_and_what_was_queued_is_cancelled_not_retried()
    {
        var admin = await Rig.Groups.AdminAsync();
        using var down = DeliveryRig.Inbox("127.0.0.65");
        down.Given(WireMock.RequestBuilders.Request.Create().UsingPost()).RespondWith(WireMock.ResponseBuilders.Response.Create().WithStatusCode(503));
        var inbox = DeliveryRig.InboxUrl(down);
        var actor = fixture.Server.Get<ActorUrls>().InstanceActor.AbsoluteUri;
        var db = fixture.Server.Get<Database>();
        var queue = fixture.Server.Get<DeliveryQueue>();
        await db.InTransactionAsync((c, tx) => queue.EnqueueAsync(c, tx, actor, DeliveryRig.Activity(actor), [new DeliveryTarget(inbox, null)]));
        await Eventually.UntilAsync("the first attempt failed and the job waits for its retry", async () =>
        {
            await using var c = await db.OpenAsync();
            return await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM delivery_jobs WHERE inbox_url = @i AND state = 'queued' AND attempts >= 1", new { i = inbox.AbsoluteUri }) == 1;
        });

        await BlockAsync(admin.Token, "127.0.0.65");
        await using (var c = await db.OpenAsync())
        {
            var job = await c.QuerySingleAsync<(string State, string LastError)>("SELECT state, last_error FROM delivery_jobs WHERE inbox_url = @i", new { i = inbox.AbsoluteUri });
            Assert.Equal("failed", job.State);
            Assert.Contains("suspended", job.LastError, StringComparison.Ordinal);
        }

        var written = await db.InTransactionAsync((c, tx) => queue.EnqueueAsync(c, tx, actor, DeliveryRig.Activity(actor), [new DeliveryTarget(inbox, null)]));
        Assert.Equal(0, written);
    }

    [Fact]
    public async Task The_impact_preview_counts_members_from_the_domain()
    {
        var admin = await Rig.Groups.AdminAsync();
        var slug = await Rig.GroupAsync(admin);
        using var remote = new FakeRemote("joiner", host: "127.0.0.66");
        await Rig.FollowAsync(remote, slug);
        var impact = await Rig.Groups.JsonAsync(HttpMethod.Post, "/api/v1/admin/domain-blocks/preview", admin.Token, new { domain = "127.0.0.66" });
        Assert.Equal(1, impact.GetProperty("members").GetInt64());
        var none = await Rig.Groups.JsonAsync(HttpMethod.Post, "/api/v1/admin/domain-blocks/preview", admin.Token, new { domain = "nobody.example" });
        Assert.Equal(0, none.GetProperty("members").GetInt64());
    }

    [Fact]
    public async Task Suspending_a_server_removes_its_members_from_every_group_and_silence_stops_new_joins()
    {
        var admin = await Rig.Groups.AdminAsync();
        var first = await Rig.GroupAsync(admin);
        var second = await Rig.GroupAsync(admin);
        using var hostile = new FakeRemote("member", host: "127.0.0.67");
        using var quiet = new FakeRemote("member", host: "127.0.0.68");
        await Rig.FollowAsync(hostile, first);
        await Rig.FollowAsync(hostile, second);
        await Rig.FollowAsync(quiet, first);
        Assert.Equal("member", await Rig.MemberStateAsync(second, hostile.ActorId));

        await BlockAsync(admin.Token, "127.0.0.67");
        Assert.Null(await Rig.MemberStateAsync(first, hostile.ActorId));
        Assert.Null(await Rig.MemberStateAsync(second, hostile.ActorId));

        // Silence: an existing member stays, a new join is refused.
        await BlockAsync(admin.Token, "127.0.0.68", "silence");
        Assert.Equal("member", await Rig.MemberStateAsync(first, quiet.ActorId));
        await Rig.FollowAsync(quiet, second);
        Assert.Null(await Rig.MemberStateAsync(second, quiet.ActorId));
    }

    [Fact]
    public async Task Reactions_from_a_server_whose_reports_are_rejected_are_dropped_and_counted()
    {
        var admin = await Rig.Groups.AdminAsync();
        var slug = await Rig.GroupAsync(admin);
        using var remote = new FakeRemote("reactor", host: "127.0.0.69");
        await Rig.FollowAsync(remote, slug);
        await BlockAsync(admin.Token, "127.0.0.69", "reject-reports");
        var group = Rig.GroupId(slug);
        await Rig.DeliverAsync(remote, new System.Text.Json.Nodes.JsonObject
        {
            ["@context"] = "https://www.w3.org/ns/activitystreams", ["id"] = $"{remote.Origin}likes/{Guid.NewGuid():N}", ["type"] = "Like",
            ["actor"] = remote.ActorId.AbsoluteUri, ["object"] = $"{group.AbsoluteUri}/threads/x", ["to"] = group.AbsoluteUri,
        });
        var dropped = await Rig.Groups.JsonAsync(HttpMethod.Get, "/api/v1/admin/federation/dropped", admin.Token);
        Assert.Contains(dropped.GetProperty("dropped").EnumerateArray(), r =>
            r.GetProperty("server").GetString() == Hosts.Authority(remote.ActorId) && r.GetProperty("reason").GetString() == DomainDecision.ReportsRejected);
    }

    [Fact]
    public async Task A_block_lifts_by_itself_at_its_expiry()
    {
        var admin = await Rig.Groups.AdminAsync();
        var until = DateTimeOffset.UtcNow.AddHours(1);
        await Rig.Groups.JsonAsync(HttpMethod.Post, "/api/v1/admin/domain-blocks", admin.Token, new { domain = "expiring.example", expiresAt = until }, HttpStatusCode.Created);
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var policy = new FederationPolicy(new PolicyStore(fixture.Server.Get<Database>(), clock), clock, NullLogger<FederationPolicy>.Instance);
        Assert.True((await policy.DecideAsync("media.expiring.example", CancellationToken.None)).Refused);
        clock.Advance(TimeSpan.FromHours(2));
        Assert.False((await policy.DecideAsync("media.expiring.example", CancellationToken.None)).Refused);
    }
}

public sealed class PolicyEnforcementTestsOnSqlite(FederatedSqliteServer f) : PolicyEnforcementTests<FederatedSqliteServer>(f);

public sealed class PolicyEnforcementTestsOnPostgres(FederatedPostgresServer f) : PolicyEnforcementTests<FederatedPostgresServer>(f);
