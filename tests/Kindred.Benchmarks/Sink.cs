using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Kindred.Benchmarks;

/// <summary>
/// A local inbox sink: accepts every POST with 202 and counts, per activity, how many distinct hosts received it.
/// Runs in its own process so the benchmark's client and server connections do not share one file-descriptor limit.
/// </summary>
public static class Sink
{
    public static async Task RunAsync(int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(System.Net.IPAddress.Loopback, port);
            k.Limits.KeepAliveTimeout = TimeSpan.FromMinutes(10);
        });
        var app = builder.Build();
        var received = new ConcurrentDictionary<string, ConcurrentDictionary<string, byte>>(StringComparer.Ordinal);
        app.MapPost("/inbox", async (HttpContext http) =>
        {
            using var doc = await JsonDocument.ParseAsync(http.Request.Body);
            var id = doc.RootElement.GetProperty("id").GetString()!;
            received.GetOrAdd(id, _ => new(StringComparer.Ordinal)).TryAdd(http.Request.Host.Value!, 0);
            return Results.StatusCode(202);
        });
        app.MapGet("/count", (string id) => received.TryGetValue(id, out var hosts) ? hosts.Count : 0);
        await app.RunAsync();
    }
}
