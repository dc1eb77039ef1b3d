using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Dapper;
using Kindred.ActivityPub.Keys;
using Kindred.ActivityPub.Signatures;
using Kindred.Server.Data;
using Kindred.Server.Federation.Delivery;
using Kindred.Server.Tests.TestRig;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using WireMock.Server;

using Kindred.Server.Web;

namespace Kindred.Server.Tests.Delivery;

/// <summary>Keys, settings and helpers shared by the delivery tests.</summary>
public static class DeliveryRig
{
    private static readonly ConcurrentDictionary<string, SigningKey> Keys = new();
    private static readonly Lazy<byte[]> Pkcs8 = new(() => KeyGeneration.GenerateRsa().Pkcs8PrivateKey);

    /// <summary>One RSA key for every test actor (generating one costs ~100 ms), with the actor's key id.</summary>
    public static SigningKey KeyOf(string actorId) => Keys.GetOrAdd(actorId, a => SigningKey.FromPkcs8(a + "#main-key", Pkcs8.Value));

    /// <summary>
    /// Loopback inboxes allowed, tiny retry delays and a quick breaker: on a fake clock a test advances it past them; on
    /// the real clock (several nodes, restarts) they keep the waits short.
    /// </summary>
    public static void FastDelivery(Dictionary<string, string?> s)
    {
        s["Kindred:Federation:AllowPrivateAddresses"] = "true";
        s["Kindred:Federation:Delivery:PollInterval"] = "00:00:00.050";
        s["Kindred:Federation:Delivery:FirstRetryDelay"] = "00:00:00.050";
        s["Kindred:Federation:Delivery:MaxRetryDelay"] = "00:00:00.200";
        s["Kindred:Federation:Delivery:BreakerFailureThreshold"] = "3";
        s["Kindred:Federation:Delivery:BreakerCooldown"] = "00:00:00.300";
        s["Kindred:Federation:Delivery:BreakerMaxCooldown"] = "00:00:01";
        s["Kindred:Federation:Delivery:ConnectTimeout"] = "00:00:02";
        s["Kindred:Federation:Delivery:RequestTimeout"] = "00:00:10";
        s["Kindred:Federation:Delivery:LeaseDuration"] = "00:00:30";
        s["Kindred:Federation:Delivery:MaxConcurrencyPerHost"] = "2";
    }

    public static void TestKeys(WebApplicationBuilder b) =>
        b.Services.AddSingleton(new DeliveryKeySource((actor, _) => Task.FromResult(KeyOf(actor))));

    /// <summary>A fake inbox server on <paramref name="address"/>: on a port of its own, or on a reserved one (an instance coming back).</summary>
    public static WireMockServer Inbox(string address = "127.0.0.1", LoopbackPort? port = null) =>
        LoopbackWireMock.Start(address, port?.Port ?? 0);

    public static Uri InboxUrl(WireMockServer server, string path = "/inbox") => new(server.Url + path);

    private static int _activities;

    public static string Activity(string actorId, string? id = null) => JsonSerializer.Serialize(new Dictionary<string, object>
    {
        ["@context"] = "https://www.w3.org/ns/activitystreams",
        ["id"] = id ?? $"{actorId}/activities/{Guid.NewGuid():N}-{Interlocked.Increment(ref _activities)}",
        ["type"] = "Create",
        ["actor"] = actorId,
        ["object"] = new Dictionary<string, object> { ["type"] = "Note", ["content"] = "Thinking of you ❤" },
    });

    public static string ActorOf(KindredTestServer server) => new Uri(server.BaseAddress, "/users/" + Accounts.UniqueName("actor")).AbsoluteUri;

    /// <summary>Enqueues in a committed transaction and wakes the worker.</summary>
    public static async Task<int> EnqueueAsync(KindredTestServer server, string actorId, string activity, params DeliveryTarget[] targets)
    {
        var count = await server.Get<Database>().InTransactionAsync((c, tx) => server.Get<DeliveryQueue>().EnqueueAsync(c, tx, actorId, activity, targets));
        server.Get<DeliveryQueue>().Wake();
        return count;
    }

    public static string IdOf(string activityJson) => JsonDocument.Parse(activityJson).RootElement.GetProperty("id").GetString()!;

    public sealed class JobRow
    {
        public string ActivityId { get; init; } = "";
        public string InboxUrl { get; init; } = "";
        public string State { get; init; } = "";
        public int Attempts { get; init; }
        public int? LastStatus { get; init; }
        public string? LastError { get; init; }
        public DateTimeOffset NextAttemptAt { get; init; }
    }

    public static async Task<List<JobRow>> JobsAsync(KindredTestServer server, string activityId)
    {
        await using var c = await server.Get<Database>().OpenAsync();
        return (await c.QueryAsync<JobRow>("SELECT activity_id, inbox_url, state, attempts, last_status, last_error, next_attempt_at FROM delivery_jobs WHERE activity_id = @activityId", new { activityId })).AsList();
    }

    public static async Task<string?> HostStateAsync(KindredTestServer server, string host)
    {
        await using var c = await server.Get<Database>().OpenAsync();
        return await c.QuerySingleOrDefaultAsync<string>("SELECT state FROM delivery_hosts WHERE host = @host", new { host });
    }

    public static Task WaitForStateAsync(KindredTestServer server, string activityId, string state) =>
        Eventually.UntilAsync($"every job of {activityId} to be {state}",
            async () => (await JobsAsync(server, activityId)) is { Count: > 0 } jobs && jobs.All(j => j.State == state),
            async () => "Jobs: " + string.Join("; ", (await JobsAsync(server, activityId)).Select(j => $"{j.State} after {j.Attempts} attempt(s), {j.LastStatus} {j.LastError}")));

    /// <summary>The one job of <paramref name="activityId"/>, once <paramref name="condition"/> holds for it.</summary>
    public static async Task<JobRow> WaitForJobAsync(KindredTestServer server, string activityId, Func<JobRow, bool> condition, string what)
    {
        JobRow? job = null;
        await Eventually.UntilAsync($"the job of {activityId}: {what}",
            async () => (job = (await JobsAsync(server, activityId)).SingleOrDefault()) is { } j && condition(j));
        return job!;
    }

    /// <summary>
    /// Moves the server's fake clock on by <paramref name="by"/> and wakes the delivery worker, which then looks for due
    /// work at the new time (the wake-up covers a worker that read the clock just before it moved).
    /// </summary>
    public static void Advance(KindredTestServer server, FakeTimeProvider clock, TimeSpan by)
    {
        clock.Advance(by);
        server.Get<DeliveryQueue>().Wake();
    }

    /// <summary>
    /// Returns once the delivery worker has made a pass at the clock's current time: it sends a job to another inbox,
    /// which it can only claim in a pass that reads that time. What was not due then stayed queued (a fake clock stands
    /// still), so a test can then check that nothing else was sent, without waiting for nothing to happen.
    /// </summary>
    public static async Task PassAsync(KindredTestServer server)
    {
        using var witness = Inbox();
        witness.Given(WireMock.RequestBuilders.Request.Create().UsingPost()).RespondWith(WireMock.ResponseBuilders.Response.Create().WithStatusCode(202));
        var actor = ActorOf(server);
        var activity = Activity(actor);
        await EnqueueAsync(server, actor, activity, new DeliveryTarget(InboxUrl(witness)));
        await WaitForStateAsync(server, IdOf(activity), "delivered");
    }

    /// <summary>The retry delays and cool-downs this server runs with (to advance its clock past them).</summary>
    public static DeliveryOptions Options(KindredTestServer server) => server.Get<IOptions<DeliveryOptions>>().Value;

    /// <summary>POSTs received for an activity (by its id in the body).</summary>
    public static int Received(WireMockServer inbox, string activityId) =>
        inbox.LogEntries.Count(e => e.RequestMessage.Body?.Contains($"\"{activityId}\"", StringComparison.Ordinal) == true);

    /// <summary>Checks a received POST's draft-cavage signature with the actor's public key, the way a receiver does.</summary>
    public static SignatureVerificationResult Verify(WireMock.Logging.ILogEntry entry, SigningKey key, TimeProvider? time = null)
    {
        var m = entry.RequestMessage;
        var headers = new HeaderCollection();
        foreach (var (name, values) in m.Headers!)
        {
            foreach (var v in values)
            {
                headers.Add(name, v);
            }
        }

        var target = m.Path + (string.IsNullOrEmpty(m.RawQuery) ? "" : "?" + m.RawQuery.TrimStart('?'));
        var request = new SignableRequest(m.Method, target, headers, Encoding.UTF8.GetBytes(m.Body ?? ""), "http");
        using var publicKey = key.ToVerificationKey(null);
        return new HttpSignatureVerifier(time ?? TimeProvider.System).Verify(request, publicKey);
    }
}

/// <summary>A server for delivery tests, on a fake clock: retries, throttling and cool-downs happen when a test advances it.</summary>
public sealed class DeliverySqliteServer : SqliteServer, IFakeClock
{
    public FakeTimeProvider Clock { get; } = FakeClock.StartingNow();

    protected override void Configure(Dictionary<string, string?> settings) => DeliveryRig.FastDelivery(settings);

    protected override void ConfigureBuilder(WebApplicationBuilder builder)
    {
        DeliveryRig.TestKeys(builder);
        FakeClock.Use(builder, Clock);
    }
}

public sealed class DeliveryPostgresServer : PostgresServer, IFakeClock
{
    public FakeTimeProvider Clock { get; } = FakeClock.StartingNow();

    protected override void Configure(Dictionary<string, string?> settings) => DeliveryRig.FastDelivery(settings);

    protected override void ConfigureBuilder(WebApplicationBuilder builder)
    {
        DeliveryRig.TestKeys(builder);
        FakeClock.Use(builder, Clock);
    }
}
