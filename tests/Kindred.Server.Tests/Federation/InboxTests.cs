using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Dapper;
using Kindred.ActivityPub.Json;
using Kindred.Server.Data;
using Kindred.Server.Federation;
using Kindred.Server.Tests.TestRig;
using Microsoft.Extensions.Time.Testing;
using Kindred.Server.Web;

namespace Kindred.Server.Tests.Federation;

/// <summary>The inbox as a remote server meets it: signed activities are stored once and handled; everything else is refused.</summary>
public abstract class InboxTests<T>(T fixture) : IClassFixture<T> where T : ServerFixture
{
    private KindredTestServer Server => fixture.Server;
    private Uri SharedInbox => new(Server.BaseAddress, "/inbox");

    private async Task<Uri> NewMemberAsync() => Server.Get<ActorUrls>().User(await Accounts.RegisterAsync(Server));

    [Fact]
    public async Task A_signed_Follow_is_accepted_with_202_stored_once_and_handled_into_a_follower_and_a_queued_Accept()
    {
        using var remote = new FakeRemote();
        var member = await NewMemberAsync();
        var follow = remote.Follow(member);

        var first = await remote.PostSignedAsync(new Uri(member.AbsoluteUri + "/inbox"), follow);
        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        var again = await remote.PostSignedAsync(SharedInbox, follow);
        Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);

        await using var c = await Server.Get<Database>().OpenAsync();
        var followId = (string)follow["id"]!;
        Assert.Equal(1, await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM inbox_activities WHERE activity_id = @followId", new { followId }));
        await Waiting.ForRowAsync(c, "SELECT COUNT(*) FROM inbox_activities WHERE activity_id = @followId AND status = 'done'", new { followId });

        var follower = await c.QuerySingleAsync<(string Inbox, string FollowId)>(
            "SELECT inbox, follow_activity_id FROM remote_followers WHERE local_actor_id = @member AND follower_id = @actor",
            new { member = member.AbsoluteUri, actor = remote.ActorId.AbsoluteUri });
        Assert.Equal(remote.Inbox.AbsoluteUri, follower.Inbox);
        Assert.Equal(followId, follower.FollowId);

        var body = await c.QuerySingleAsync<string>("SELECT body FROM delivery_jobs WHERE actor_id = @member AND inbox_url = @inbox",
            new { member = member.AbsoluteUri, inbox = remote.Inbox.AbsoluteUri });
        var accept = JsonNode.Parse(body)!.AsObject();
        Assert.Equal(member.AbsoluteUri, (string?)accept["actor"]);
        Assert.Equal(followId, (string?)accept["object"]!["id"]);
        Assert.Equal("Follow", (string?)accept["object"]!["type"]);
        Assert.Equal(remote.ActorId.AbsoluteUri, (string?)accept["object"]!["actor"]);
        Assert.Equal(member.AbsoluteUri, (string?)accept["object"]!["object"]);

        // Undo(Follow) removes the follower again.
        var undo = ActivityJson.Undo(new Uri($"{remote.Origin}activities/{Guid.NewGuid():N}"), remote.ActorId, follow, [member]);
        Assert.Equal(HttpStatusCode.Accepted, (await remote.PostSignedAsync(SharedInbox, undo)).StatusCode);
        await Waiting.ForRowAsync(c, "SELECT COUNT(*) FROM inbox_activities WHERE activity_id = @id AND status = 'done'", new { id = (string)undo["id"]! });
        Assert.Equal(0, await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM remote_followers WHERE follower_id = @actor", new { actor = remote.ActorId.AbsoluteUri }));
    }

    [Fact]
    public async Task Unsigned_tampered_stale_and_wrongly_owned_requests_get_401()
    {
        using var remote = new FakeRemote();
        var member = await NewMemberAsync();
        var body = JsonOutput.Serialize(remote.Follow(member));

        using var http = new HttpClient();
        var unsigned = await http.PostAsync(SharedInbox, new StringContent(body, Encoding.UTF8, "application/activity+json"));
        Assert.Equal(HttpStatusCode.Unauthorized, unsigned.StatusCode);

        var tampered = await remote.PostSignedAsync(SharedInbox, body, tamper: r => r.Content = new StringContent(body.Replace("Follow", "Block", StringComparison.Ordinal), Encoding.UTF8, "application/activity+json"));
        Assert.Equal(HttpStatusCode.Unauthorized, tampered.StatusCode);

        var twoHoursAgo = new FakeTimeProvider(DateTimeOffset.UtcNow.AddHours(-2));
        Assert.Equal(HttpStatusCode.Unauthorized, (await remote.PostSignedAsync(SharedInbox, body, twoHoursAgo)).StatusCode);
        var tomorrow = new FakeTimeProvider(DateTimeOffset.UtcNow.AddDays(1));
        Assert.Equal(HttpStatusCode.Unauthorized, (await remote.PostSignedAsync(SharedInbox, body, tomorrow)).StatusCode);

        // Signed by harriet, but claiming to be someone on another origin (FEP-fe34).
        using var other = new FakeRemote("mallory");
        var forged = JsonOutput.Serialize(other.Follow(member, id: $"{other.Origin}activities/x"));
        Assert.Equal(HttpStatusCode.Unauthorized, (await remote.PostSignedAsync(SharedInbox, forged)).StatusCode);

        await using var c = await Server.Get<Database>().OpenAsync();
        Assert.Equal(0, await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM inbox_activities WHERE actor_id = @a", new { a = other.ActorId.AbsoluteUri }));
    }

    [Fact]
    public async Task A_rotated_key_is_fetched_again_once_and_accepted()
    {
        using var remote = new FakeRemote();
        var member = await NewMemberAsync();
        Assert.Equal(HttpStatusCode.Accepted, (await remote.PostSignedAsync(SharedInbox, remote.Follow(member))).StatusCode);
        remote.RotateKey();
        Assert.Equal(HttpStatusCode.Accepted, (await remote.PostSignedAsync(SharedInbox, remote.Follow(member))).StatusCode);
    }

    [Fact]
    public async Task Oversized_bodies_get_413_and_malformed_or_too_deep_json_400_and_the_server_stays_healthy()
    {
        using var remote = new FakeRemote();
        var huge = "{\"type\":\"Create\",\"actor\":\"" + remote.ActorId + "\",\"object\":\"" + new string('a', 300 * 1024) + "\"}";
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await remote.PostSignedAsync(SharedInbox, huge)).StatusCode);

        Assert.Equal(HttpStatusCode.BadRequest, (await remote.PostSignedAsync(SharedInbox, "{\"type\": \"Follow\", ")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await remote.PostSignedAsync(SharedInbox, "[1,2,3]")).StatusCode);
        var deep = string.Concat(Enumerable.Repeat("{\"a\":", 200)) + "1" + new string('}', 200);
        Assert.Equal(HttpStatusCode.BadRequest, (await remote.PostSignedAsync(SharedInbox, deep)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await remote.PostSignedAsync(SharedInbox, "{\"type\":\"Note\",\"content\":\"not an activity\"}")).StatusCode);

        using var http = new HttpClient();
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri(Server.BaseAddress, "/healthz"))).StatusCode);
    }

    [Fact]
    public async Task Activities_the_worker_cannot_handle_are_retried_then_marked_failed_without_blocking_others()
    {
        using var remote = new FakeRemote();
        var member = await NewMemberAsync();
        // A Follow from an actor without an inbox: the signature is fine, but the handler has nowhere to send the
        // Accept, so the row fails and is retried later; other activities still go through.
        using var inboxless = new FakeRemote("inboxless", withoutInbox: true);
        var follow = inboxless.Follow(member);
        Assert.Equal(HttpStatusCode.Accepted, (await inboxless.PostSignedAsync(SharedInbox, follow)).StatusCode);

        var ok = remote.Follow(member);
        Assert.Equal(HttpStatusCode.Accepted, (await remote.PostSignedAsync(SharedInbox, ok)).StatusCode);
        await using var c = await Server.Get<Database>().OpenAsync();
        await Waiting.ForRowAsync(c, "SELECT COUNT(*) FROM inbox_activities WHERE activity_id = @id AND status = 'done'", new { id = (string)ok["id"]! });
        var ignored = JsonOutput.Serialize(ActivityJson.Like(new Uri($"{remote.Origin}likes/1"), remote.ActorId, member, [member]));
        Assert.Equal(HttpStatusCode.Accepted, (await remote.PostSignedAsync(SharedInbox, ignored)).StatusCode);
        await Waiting.ForRowAsync(c, "SELECT COUNT(*) FROM inbox_activities WHERE activity_id = @id AND status = 'done'", new { id = $"{remote.Origin}likes/1" });

        // The poisoned row carries its error and waits for a bounded number of retries.
        await Waiting.ForRowAsync(c, "SELECT COUNT(*) FROM inbox_activities WHERE activity_id = @id AND attempts >= 1 AND last_error IS NOT NULL AND status IN ('pending', 'failed')",
            new { id = (string)follow["id"]! });
        using var http = new HttpClient();
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri(Server.BaseAddress, "/healthz"))).StatusCode);
    }
}

public sealed class InboxTestsOnSqlite(FederatedSqliteServer f) : InboxTests<FederatedSqliteServer>(f);

public sealed class InboxTestsOnPostgres(FederatedPostgresServer f) : InboxTests<FederatedPostgresServer>(f);
