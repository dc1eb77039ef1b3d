using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Kindred.ActivityPub.Keys;
using Kindred.Server.Data;
using Kindred.Server.Federation.Delivery;
using Kindred.Server.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Kindred.Server.Web;
using Kindred.Server.Configuration;

namespace Kindred.Benchmarks;

/// <summary>
/// One post fanned out to N distinct inboxes through the real pipeline: enqueue in a transaction, the delivery worker
/// claims, signs and POSTs, outcomes are recorded. Distinct hosts are names (h0.bench.test, h1.bench.test, ...) that
/// the benchmark's resolver maps to the loopback sink, so each is its own connection pool, as real instances are.
/// Reports the time until every inbox has the activity, cold (new connections) and warm (kept-alive connections).
/// </summary>
public static class FanOutBenchmark
{
    public static async Task RunAsync(int[] sizes, SigningResult signing)
    {
        var sinkPort = Net.FreePort();
        using var sink = StartSink(sinkPort);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{sinkPort}") };
        await WaitForSinkAsync(http);

        var data = Path.Combine(Path.GetTempPath(), "kindred-bench-" + Guid.NewGuid().ToString("N"));
        var port = Net.FreePort();
        using var key = SigningKey.FromPkcs8($"http://127.0.0.1:{port}/users/bench#main-key", KeyGeneration.GenerateRsa().Pkcs8PrivateKey);
        var app = KindredApp.Build(["--urls", $"http://127.0.0.1:{port}"], b =>
        {
            b.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Kindred:PublicUrl"] = $"http://127.0.0.1:{port}",
                ["Kindred:DataDirectory"] = data,
                ["Kindred:Federation:AllowPrivateAddresses"] = "true",
                ["Logging:LogLevel:Default"] = "Warning",
            });
            b.Services.AddSingleton(new DeliveryKeySource((_, _) => Task.FromResult(key)));
            b.Services.AddSingleton(new DeliveryNameResolver((_, _) => Task.FromResult(new[] { IPAddress.Loopback })));
        });
        await app.PrepareAsync();
        await app.StartAsync();
        try
        {
            var actor = $"http://127.0.0.1:{port}/users/bench";
            foreach (var n in sizes)
            {
                var targets = Enumerable.Range(0, n).Select(i => new DeliveryTarget(new Uri($"http://h{i}.bench.test:{sinkPort}/inbox"))).ToList();
                var cpu = Cpu(sink);
                var (cold, _) = await FanOutAsync(app.Services, http, actor, targets);
                var coldCpu = Cpu(sink) - cpu;
                var (warm, enqueue) = await FanOutAsync(app.Services, http, actor, targets);
                var warmCpu = Cpu(sink) - cpu - coldCpu;
                Report(n, "cold", cold, null, coldCpu, signing);
                Report(n, "warm", warm, enqueue, warmCpu, signing);
            }
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
            sink.Kill();
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(data, recursive: true);
        }
    }

    /// <summary>CPU used so far by this process (server, worker, benchmark) and the sink together.</summary>
    private static TimeSpan Cpu(Process sink)
    {
        sink.Refresh();
        return Process.GetCurrentProcess().TotalProcessorTime + sink.TotalProcessorTime;
    }

    private static void Report(int n, string label, TimeSpan total, TimeSpan? enqueue, TimeSpan cpu, SigningResult signing)
    {
        var rate = n / total.TotalSeconds;
        var cpuEach = cpu.TotalMilliseconds / n;
        var signEach = 1000 / signing.PerCore;
        Console.WriteLine($"fanout: {n,6:N0} inboxes {label}: {total.TotalSeconds:N2} s ({rate:N0}/s)"
            + (enqueue is { } e ? $", of which enqueue {e.TotalMilliseconds:N0} ms" : "")
            + $"; {rate / signing.PerCore:P0} of one core's signing limit, {rate / signing.AllCores:P0} of all cores'"
            + $"; CPU {cpuEach:N2} ms per delivery (server and sink), signing {signEach:N2} ms of it ({signEach / cpuEach:P0})");
    }

    private static async Task<(TimeSpan Total, TimeSpan Enqueue)> FanOutAsync(IServiceProvider services, HttpClient sink, string actor, List<DeliveryTarget> targets)
    {
        var id = $"{actor}/activities/{Guid.NewGuid():N}";
        var activity = JsonSerializer.Serialize(new { id, type = "Create", actor, @object = new { type = "Note", content = new string('x', 1200) } });
        var sw = Stopwatch.StartNew();
        await services.GetRequiredService<Database>().InTransactionAsync((c, tx) =>
            services.GetRequiredService<DeliveryQueue>().EnqueueAsync(c, tx, actor, activity, targets));
        services.GetRequiredService<DeliveryQueue>().Wake();
        var enqueued = sw.Elapsed;
        while (await sink.GetFromJsonAsync<int>($"/count?id={Uri.EscapeDataString(id)}") < targets.Count)
        {
            if (sw.Elapsed > TimeSpan.FromMinutes(10))
            {
                throw new TimeoutException($"Not every inbox received {id} within 10 minutes.");
            }

            await Task.Delay(5);
        }

        return (sw.Elapsed, enqueued);
    }

    private static Process StartSink(int port)
    {
        var self = Environment.ProcessPath!;
        var start = Path.GetFileNameWithoutExtension(self) == "dotnet"
            ? new ProcessStartInfo(self) { ArgumentList = { typeof(Sink).Assembly.Location } }
            : new ProcessStartInfo(self);
        foreach (var a in new[] { "sink", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(a);
        }

        return Process.Start(start)!;
    }

    private static async Task WaitForSinkAsync(HttpClient http)
    {
        for (var i = 0; i < 200; i++)
        {
            try
            {
                await http.GetAsync("/count?id=x");
                return;
            }
            catch (HttpRequestException)
            {
                await Task.Delay(50);
            }
        }

        throw new InvalidOperationException("The sink did not start.");
    }
}
