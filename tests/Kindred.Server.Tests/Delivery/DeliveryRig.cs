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
using WireMock.Server;
using WireMock.Settings;
using Kindred.Server.Web;

namespace Kindred.Server.Tests.Delivery;

/// <summary>Keys, settings and helpers shared by the delivery tests.</summary>
public static class DeliveryRig
{
    private static readonly ConcurrentDictionary<string, SigningKey> Keys = new();
    private static readonly Lazy<byte[]> Pkcs8 = new(() => KeyGeneration.GenerateRsa().Pkcs8PrivateKey);

    /// <summary>One RSA key for every test actor (generating one costs ~100 ms), with the actor's key id.</summary>
    public static SigningKey KeyOf(string actorId) => Keys.GetOrAdd(actorId, a => SigningKey.FromPkcs8(a + "#main-key", Pkcs8.Value));

    /// <summary>Loopback inboxes allowed, tiny retry delays and a quick breaker, so tests wait for events, not clocks.</summary>
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

    public static WireMockServer Inbox(string address = "127.0.0.1", int? port = null) =>
        WireMockServer.Start(new WireMockServerSettings { Urls = [$"http://{address}:{port ?? KindredTestServer.FreePort()}"] });

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

    /// <summary>Polls until <paramref name="condition"/> holds; generous, because machines in CI are slow and shared.</summary>
    public static async Task WaitForAsync(Func<Task<bool>> condition, string what, int seconds = 60)
    {
        var until = DateTime.UtcNow.AddSeconds(seconds);
        while (!await condition())
        {
            if (DateTime.UtcNow > until)
            {
                Assert.Fail($"Timed out after {seconds} s waiting for {what}.");
            }

            await Task.Delay(50);
        }
    }

    public static Task WaitForStateAsync(KindredTestServer server, string activityId, string state, int seconds = 60) =>
        WaitForAsync(async () => (await JobsAsync(server, activityId)) is { Count: > 0 } jobs && jobs.All(j => j.State == state),
            $"every job of {activityId} to be {state}", seconds);

    /// <summary>POSTs received for an activity (by its id in the body).</summary>
    public static int Received(WireMockServer inbox, string activityId) =>
        inbox.LogEntries.Count(e => e.RequestMessage.Body?.Contains($"\"{activityId}\"", StringComparison.Ordinal) == true);

    /// <summary>Checks a received POST's draft-cavage signature with the actor's public key, the way a receiver does.</summary>
    public static SignatureVerificationResult Verify(WireMock.Logging.ILogEntry entry, SigningKey key)
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
        return new HttpSignatureVerifier(TimeProvider.System).Verify(request, publicKey);
    }
}

public sealed class DeliverySqliteServer : SqliteServer
{
    protected override void Configure(Dictionary<string, string?> settings) => DeliveryRig.FastDelivery(settings);

    protected override void ConfigureBuilder(WebApplicationBuilder builder) => DeliveryRig.TestKeys(builder);
}

public sealed class DeliveryPostgresServer : PostgresServer
{
    protected override void Configure(Dictionary<string, string?> settings) => DeliveryRig.FastDelivery(settings);

    protected override void ConfigureBuilder(WebApplicationBuilder builder) => DeliveryRig.TestKeys(builder);
}
