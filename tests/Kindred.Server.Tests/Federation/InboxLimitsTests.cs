using Kindred.Server.Web;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Dapper;
using Kindred.ActivityPub.Json;
using Kindred.ActivityPub.Keys;
using Kindred.Server.Data;
using Kindred.Server.Federation;
using Kindred.Server.Federation.Inbox;
using Kindred.Server.Tests.TestRig;

namespace Kindred.Server.Tests.Federation;

/// <summary>What the inbox stores, and how much one sender may make it store (issue 18 items 5 and 11).</summary>
public abstract class InboxLimitsTests<T>(T fixture) : IClassFixture<T> where T : ServerFixture
{
    private KindredTestServer Server => fixture.Server;
    private Uri SharedInbox => new(Server.BaseAddress, "/inbox");

    [Theory]
    [InlineData(300 * 1024)]
    [InlineData(3 * 1024 * 1024)]
    public async Task A_chunked_body_over_the_limit_gets_413_like_one_with_a_length(int size)
    {
        using var remote = new FakeRemote();
        var huge = "{\"type\":\"Create\",\"actor\":\"" + remote.ActorId + "\",\"object\":\"" + new string('a', size) + "\"}";
        var response = await remote.PostSignedAsync(SharedInbox, huge, tamper: r =>
        {
            r.Content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(huge)));
            r.Content.Headers.TryAddWithoutValidation("Content-Type", "application/activity+json");
            r.Headers.TransferEncodingChunked = true;
        });
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task An_activity_that_concerns_no_one_here_is_answered_and_counted_but_not_stored()
    {
        using var remote = new FakeRemote();
        var member = Server.Get<ActorUrls>().User(await Accounts.RegisterAsync(Server));
        var ignoredBefore = Server.Get<InboxLimits>().Stats.Ignored;
        var unsolicited = Note(remote, [new Uri("https://www.w3.org/ns/activitystreams#Public")]);
        var toNobody = Note(remote, [new Uri(Server.BaseAddress, "/users/nobody_by_that_name"), new Uri(Server.BaseAddress, $"/threads/{Guid.NewGuid()}")]);
        var toMember = Note(remote, [member]);
        foreach (var activity in new[] { unsolicited, toNobody, toMember })
        {
            Assert.Equal(HttpStatusCode.Accepted, (await remote.PostSignedAsync(SharedInbox, activity)).StatusCode);
        }

        await using var c = await Server.Get<Database>().OpenAsync();
        var stored = (await c.QueryAsync<string>("SELECT activity_id FROM inbox_activities WHERE actor_id = @a", new { a = remote.ActorId.AbsoluteUri })).ToList();
        Assert.Equal([(string)toMember["id"]!], stored);
        Assert.Equal(ignoredBefore + 2, Server.Get<InboxLimits>().Stats.Ignored);
    }

    private static JsonObject Note(FakeRemote remote, IReadOnlyList<Uri> to)
    {
        var id = $"{remote.Origin}notes/{Guid.NewGuid():N}";
        return ActivityJson.Activity("Create", new Uri(id + "/create"), remote.ActorId, new JsonObject
        {
            ["id"] = id, ["type"] = "Note", ["content"] = "<p>Hello</p>", ["attributedTo"] = remote.ActorId.AbsoluteUri,
            ["to"] = new JsonArray([.. to.Select(u => (JsonNode)u.AbsoluteUri)]),
        }, to: to);
    }
}

public sealed class InboxLimitsTestsOnSqlite(FederatedSqliteServer f) : InboxLimitsTests<FederatedSqliteServer>(f);

public sealed class InboxLimitsTestsOnPostgres(FederatedPostgresServer f) : InboxLimitsTests<FederatedPostgresServer>(f);

/// <summary>A server with small inbox allowances: 5 activities a minute per actor, 8 per server, 40,000 bytes a day per server.</summary>
public abstract class SmallInboxAllowance<TBase> : ServerFixture where TBase : ServerFixture, new()
{
    public override DatabaseKind Database => new TBase().Database;

    protected override void Configure(Dictionary<string, string?> settings)
    {
        settings["Kindred:Federation:AllowPrivateAddresses"] = "true";
        settings["Kindred:Federation:InboxPerActorPerMinute"] = "5";
        settings["Kindred:Federation:InboxPerServerPerMinute"] = "8";
        settings["Kindred:Federation:InboxMaxBytesPerServerPerDay"] = "40000";
    }
}

public sealed class SmallInboxAllowanceSqlite : SmallInboxAllowance<SqliteServer>;

public sealed class SmallInboxAllowancePostgres : SmallInboxAllowance<PostgresServer>;

public abstract class InboxAllowanceTests<T>(T fixture) : IClassFixture<T> where T : ServerFixture
{
    private KindredTestServer Server => fixture.Server;
    private Uri SharedInbox => new(Server.BaseAddress, "/inbox");

    [Fact]
    public async Task One_actor_gets_429_with_Retry_After_beyond_its_allowance_and_nothing_more_is_stored()
    {
        using var remote = new FakeRemote();
        var member = Server.Get<ActorUrls>().User(await Accounts.RegisterAsync(Server));
        var answers = new List<HttpResponseMessage>();
        for (var i = 0; i < 12; i++)
        {
            answers.Add(await remote.PostSignedAsync(SharedInbox, remote.Follow(member)));
        }

        var accepted = answers.Count(r => r.StatusCode == HttpStatusCode.Accepted);
        var limited = answers.Where(r => r.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        Assert.Equal(12, accepted + limited.Count);
        Assert.NotEmpty(limited);
        Assert.All(limited, r => Assert.True(r.Headers.RetryAfter?.Delta > TimeSpan.Zero, "Retry-After in seconds"));
        Assert.Contains("this actor", await limited[0].Content.ReadAsStringAsync(), StringComparison.Ordinal);

        await using var c = await Server.Get<Database>().OpenAsync();
        Assert.Equal(accepted, await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM inbox_activities WHERE actor_id = @a", new { a = remote.ActorId.AbsoluteUri }));
    }

    [Fact]
    public async Task Actors_of_one_server_share_its_allowance()
    {
        using var remote = new FakeRemote();
        var member = Server.Get<ActorUrls>().User(await Accounts.RegisterAsync(Server));
        for (var i = 0; i < 5; i++)
        {
            await remote.PostSignedAsync(SharedInbox, remote.Follow(member));
        }

        // A second actor on the same server, within its own allowance, meets the server's.
        var bobId = new Uri(remote.Origin, "/users/bob");
        using var bob = SigningKey.FromPkcs8(bobId.AbsoluteUri + "#main-key", KeyGeneration.GenerateRsa().Pkcs8PrivateKey);
        remote.Serve(bobId.AbsolutePath, ActivityJson.Actor(new ActorDocument
        {
            Type = "Person", Id = bobId, PreferredUsername = "bob", Inbox = new Uri(bobId.AbsoluteUri + "/inbox"),
            Outbox = new Uri(bobId.AbsoluteUri + "/outbox"), PublicKeyPem = bob.ExportPublicKeyPem(),
        }));
        var reasons = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            var follow = ActivityJson.Follow(new Uri($"{remote.Origin}activities/{Guid.NewGuid():N}"), bobId, member);
            var response = await remote.PostSignedAsync(SharedInbox, JsonOutput.Serialize(follow), key: bob);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                reasons.Add(await response.Content.ReadAsStringAsync());
            }
        }

        Assert.Contains(reasons, r => r.Contains("this server", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_server_that_sent_its_daily_budget_of_bytes_gets_429_until_midnight()
    {
        using var remote = new FakeRemote();
        var member = Server.Get<ActorUrls>().User(await Accounts.RegisterAsync(Server));
        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? refused = null;
        for (var i = 0; i < 5; i++)
        {
            var follow = remote.Follow(member);
            follow["summary"] = new string('x', 12_000);
            var response = await remote.PostSignedAsync(SharedInbox, follow);
            statuses.Add(response.StatusCode);
            refused ??= response.StatusCode == HttpStatusCode.TooManyRequests ? response : null;
        }

        Assert.Equal([HttpStatusCode.Accepted, HttpStatusCode.Accepted, HttpStatusCode.Accepted, HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests], statuses);
        Assert.Contains("in a day", await refused!.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.True(refused.Headers.RetryAfter?.Delta is { } wait && wait > TimeSpan.Zero && wait <= TimeSpan.FromDays(1));
        Assert.True(Server.Get<InboxLimits>().Stats.OverBudget >= 2);
    }
}

public sealed class InboxAllowanceTestsOnSqlite(SmallInboxAllowanceSqlite f) : InboxAllowanceTests<SmallInboxAllowanceSqlite>(f);

public sealed class InboxAllowanceTestsOnPostgres(SmallInboxAllowancePostgres f) : InboxAllowanceTests<SmallInboxAllowancePostgres>(f);
