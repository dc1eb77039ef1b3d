using System.Diagnostics;
using System.Net;
using System.Text;
using Dapper;
using Kindred.ActivityPub.Json;
using Kindred.ActivityPub.Keys;
using Kindred.ActivityPub.Signatures;
using Kindred.Server.Data;
using Kindred.Server.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Kindred.Server.Web;
using Kindred.Server.Configuration;

namespace Kindred.Benchmarks;

/// <summary>
/// Inbox ingest through the real HTTP pipeline: many clients POST signed activities to the shared inbox; each is
/// size-checked, parsed, verified (draft-cavage rsa-sha256, key fetched once from the sender's actor document and then
/// cached) and stored durably before the 202. Reports accepted activities per second and latency percentiles, then
/// the time until the inbox worker has processed all of them. Runs on SQLite, and on PostgreSQL when
/// KINDRED_TEST_POSTGRES names a server.
/// </summary>
public static class IngestBenchmark
{
    public static async Task RunAsync(int count, int concurrency)
    {
        var limit = await IngestLimit.MeasureAsync();
        await RunOneAsync("sqlite", null, count, concurrency, limit);
        if (Environment.GetEnvironmentVariable("KINDRED_TEST_POSTGRES") is { Length: > 0 } admin)
        {
            var db = $"kindred_bench_{Environment.ProcessId}";
            await using (var c = new Npgsql.NpgsqlConnection(admin))
            {
                await c.ExecuteAsync($"CREATE DATABASE {db}");
            }

            await RunOneAsync("postgres", new Npgsql.NpgsqlConnectionStringBuilder(admin) { Database = db, MaxPoolSize = 100 }.ToString(), count, concurrency, limit);
        }
        else
        {
            Console.WriteLine("ingest: PostgreSQL not measured (set KINDRED_TEST_POSTGRES to a server where databases may be created)");
        }
    }

    private static async Task WaitForWorkerAsync(WebApplication app, TimeSpan limit)
    {
        var sw = Stopwatch.StartNew();
        await using var c = await app.Services.GetRequiredService<Database>().OpenAsync();
        while (await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM inbox_activities WHERE status = 'pending'") > 0)
        {
            if (sw.Elapsed > limit)
            {
                throw new TimeoutException($"The inbox worker did not finish within {limit}.");
            }

            await Task.Delay(20);
        }
    }

    private static async Task RunOneAsync(string engine, string? postgres, int count, int concurrency, double limit)
    {
        // The remote sender: an actor document on its own loopback origin, with the key its activities are signed with.
        var remotePort = Net.FreePort();
        var remote = $"http://127.0.0.1:{remotePort}";
        var keys = KeyGeneration.GenerateRsa();
        using var key = SigningKey.FromPkcs8($"{remote}/users/sender#main-key", keys.Pkcs8PrivateKey);
        var actorJson = JsonOutput.Serialize(ActivityJson.Actor(new ActorDocument
        {
            Type = "Person", Id = new Uri($"{remote}/users/sender"), PreferredUsername = "sender",
            Inbox = new Uri($"{remote}/users/sender/inbox"), Outbox = new Uri($"{remote}/users/sender/outbox"), PublicKeyPem = keys.PublicKeyPem,
        }));
        var remoteBuilder = WebApplication.CreateSlimBuilder();
        remoteBuilder.WebHost.UseUrls(remote);
        remoteBuilder.Logging.ClearProviders();
        await using var remoteApp = remoteBuilder.Build();
        remoteApp.MapGet("/users/sender", () => Results.Text(actorJson, "application/activity+json"));
        await remoteApp.StartAsync();

        var data = Path.Combine(Path.GetTempPath(), "kindred-bench-" + Guid.NewGuid().ToString("N"));
        var port = Net.FreePort();
        var settings = new Dictionary<string, string?>
        {
            ["Kindred:PublicUrl"] = $"http://127.0.0.1:{port}",
            ["Kindred:DataDirectory"] = data,
            ["Kindred:Federation:AllowPrivateAddresses"] = "true",
            // The benchmark measures the inbox's own cost, not the per-sender allowances.
            ["Kindred:Federation:InboxPerActorPerMinute"] = "0",
            ["Kindred:Federation:InboxPerServerPerMinute"] = "0",
            ["Kindred:Federation:InboxMaxBytesPerServerPerDay"] = "0",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        if (postgres is not null)
        {
            settings["Kindred:Database:Provider"] = "postgres";
            settings["Kindred:Database:ConnectionString"] = postgres;
        }

        var app = KindredApp.Build(["--urls", $"http://127.0.0.1:{port}"], b => b.Configuration.AddInMemoryCollection(settings));
        await app.PrepareAsync();
        await app.StartAsync();
        // The sender follows someone here, so what it sends concerns us and is stored (unsolicited activities are not).
        await using (var c = await app.Services.GetRequiredService<Database>().OpenAsync())
        {
            await c.ExecuteAsync("""
                INSERT INTO remote_followers (local_actor_id, follower_id, follow_activity_id, inbox, shared_inbox, created_at)
                VALUES (@local, @sender, @follow, @inbox, NULL, @now)
                """, new { local = $"http://127.0.0.1:{port}/actor", sender = $"{remote}/users/sender", follow = $"{remote}/follows/1", inbox = $"{remote}/users/sender/inbox", now = DateTimeOffset.UtcNow });
        }

        try
        {
            var signer = new CavageSigner(TimeProvider.System);
            var inbox = new Uri($"http://127.0.0.1:{port}/inbox");
            using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = concurrency, UseProxy = false });

            // Requests are built and signed before the clock starts: the sender's signing is the sender's cost (on
            // this machine it would take most of one core), not the inbox's; the inbox verifies and stores them.
            (byte[] Body, (string Name, string Value)[] Headers) Sign(int i)
            {
                var body = IngestLimit.CreateNote(remote, $"{engine}-{i}");
                return (body, signer.Sign(SignableRequest.Create("POST", inbox, body, "application/activity+json"), key).Select(h => (h.Key, h.Value)).ToArray());
            }

            async Task<TimeSpan> PostAsync((byte[] Body, (string Name, string Value)[] Headers) signed)
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, inbox) { Content = new ByteArrayContent(signed.Body) };
                request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/activity+json");
                foreach (var (name, value) in signed.Headers)
                {
                    if (!request.Headers.TryAddWithoutValidation(name, value))
                    {
                        request.Content.Headers.TryAddWithoutValidation(name, value);
                    }
                }

                var sw = Stopwatch.StartNew();
                using var response = await http.SendAsync(request);
                if (response.StatusCode != HttpStatusCode.Accepted)
                {
                    throw new InvalidOperationException($"inbox answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
                }

                return sw.Elapsed;
            }

            // A warm-up round first (the JIT's tiered compilation, connection pools, the key cache), as a server that
            // has been running meets its traffic; then the measured round. Both are signed before their clock starts.
            var warmup = Math.Max(2_000, count / 5);
            var presign = Stopwatch.StartNew();
            // The paced round: the goal's rate (half this machine's limit) offered for 5 s, whatever the answers do.
            var pacedRate = limit / 2;
            var paced = (int)(pacedRate * 5);
            var requests = new (byte[], (string, string)[])[warmup + count + paced];
            Parallel.For(0, requests.Length, i => requests[i] = Sign(i));
            Console.WriteLine($"ingest ({engine}): signed {requests.Length:N0} requests in {presign.Elapsed.TotalSeconds:N1} s before starting the clock");

            await PostAsync(Sign(-1)); // the first request fetches and caches the sender's key
            var latencies = new TimeSpan[count];

            async Task RoundAsync(int from, int n, TimeSpan[]? record)
            {
                var next = -1;
                await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
                {
                    int i;
                    while ((i = Interlocked.Increment(ref next)) < n)
                    {
                        var elapsed = await PostAsync(requests[from + i]);
                        if (record is not null)
                        {
                            record[i] = elapsed;
                        }
                    }
                }));
            }

            await RoundAsync(0, warmup, null);
            await WaitForWorkerAsync(app, TimeSpan.FromMinutes(10));

            Console.WriteLine($"ingest ({engine}): warmed up with {warmup:N0} activities; measuring {count:N0}");
            var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
            var total = Stopwatch.StartNew();
            await RoundAsync(warmup, count, latencies);
            var accepted = total.Elapsed;
            var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
            Array.Sort(latencies);
            var rate = count / accepted.TotalSeconds;
            Console.WriteLine($"ingest ({engine}): {count:N0} signed activities accepted in {accepted.TotalSeconds:N2} s = {rate:N0}/s " +
                              $"({rate / limit:P0} of this machine's limit, goal >= 50 %; {rate / 5000:P0} of the reference machine's 5,000/s); latency p50 {latencies[count / 2].TotalMilliseconds:N1} ms, " +
                              $"p90 {latencies[(int)(count * 0.90)].TotalMilliseconds:N1} ms, p99 {latencies[(int)(count * 0.99)].TotalMilliseconds:N1} ms (goal <= 50 ms), " +
                              $"max {latencies[^1].TotalMilliseconds:N0} ms; " +
                              $"CPU {cpu.TotalMilliseconds * 1000 / count:N0} µs per activity (server, worker and clients together)");

            await WaitForWorkerAsync(app, TimeSpan.FromMinutes(10));
            Console.WriteLine($"ingest ({engine}): all processed by the worker {total.Elapsed.TotalSeconds:N2} s after the first measured POST");

            // Sustained rate: requests sent on a fixed schedule (open loop), each timed from when it was due to be sent,
            // so a stall counts against every request it holds up (no coordinated omission).
            var pacedLatencies = new TimeSpan[paced];
            var inFlight = new List<Task>(paced);
            var clock = Stopwatch.StartNew();
            for (var i = 0; i < paced; i++)
            {
                var due = TimeSpan.FromSeconds(i / pacedRate);
                while (clock.Elapsed < due)
                {
                    await Task.Delay(1);
                }

                var n = i;
                inFlight.Add(Task.Run(async () =>
                {
                    await PostAsync(requests[warmup + count + n]);
                    pacedLatencies[n] = clock.Elapsed - due;
                }));
            }

            await Task.WhenAll(inFlight);
            var sustained = paced / clock.Elapsed.TotalSeconds;
            Array.Sort(pacedLatencies);
            Console.WriteLine($"ingest ({engine}): sustained {pacedRate:N0}/s offered (half this machine's limit) for 5 s: {sustained:N0}/s accepted; " +
                              $"latency p50 {pacedLatencies[paced / 2].TotalMilliseconds:N1} ms, p90 {pacedLatencies[(int)(paced * 0.90)].TotalMilliseconds:N1} ms, " +
                              $"p99 {pacedLatencies[(int)(paced * 0.99)].TotalMilliseconds:N1} ms (goal <= 50 ms), max {pacedLatencies[^1].TotalMilliseconds:N0} ms");
            await WaitForWorkerAsync(app, TimeSpan.FromMinutes(10));
            Console.WriteLine($"ingest ({engine}): the paced round processed by the worker {clock.Elapsed.TotalSeconds:N2} s after its first POST");
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            if (Directory.Exists(data)) // not created when the server ran on PostgreSQL
            {
                Directory.Delete(data, recursive: true);
            }
        }
    }
}
