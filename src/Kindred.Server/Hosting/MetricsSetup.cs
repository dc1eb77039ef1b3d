using System.Net;
using System.Runtime.CompilerServices;
using Dapper;
using Kindred.Server.Configuration;
using Kindred.Server.Data;
using Kindred.Server.Diagnostics;
using OpenTelemetry.Metrics;

namespace Kindred.Server.Hosting;

/// <summary>
/// Metrics for Prometheus (issue 20), off by default: with <c>Kindred:Metrics:Enabled=true</c> OpenTelemetry collects
/// Kindred's own meter (inbox outcomes, deliveries and their lag, job failures, sign-ins), queue depths, ASP.NET Core's
/// request metrics, the .NET runtime's and Npgsql's (database timings), and serves them at <c>/metrics</c> to
/// <c>Kindred:Metrics:AllowedNetworks</c> only (loopback unless set). Everyone else gets 404. While off, none of the
/// OpenTelemetry assemblies is even loaded, so idle memory does not grow.
/// </summary>
public static class MetricsSetup
{
    public const string Path = "/metrics";

    /// <summary>Whether metrics are on; stops start-up with one line when the allowed networks do not parse.</summary>
    public static IReadOnlyList<IPNetwork>? Configure(WebApplicationBuilder builder)
    {
        if (!builder.Configuration.GetValue<bool>("Kindred:Metrics:Enabled"))
        {
            return null;
        }

        var networks = AllowedNetworks(builder.Configuration);
        AddOpenTelemetry(builder.Services);
        return networks;
    }

    public static IReadOnlyList<IPNetwork> AllowedNetworks(IConfiguration config)
    {
        var configured = config.GetSection("Kindred:Metrics:AllowedNetworks").Get<string[]>() ?? [];
        if (configured.Length == 0)
        {
            return [IPNetwork.Parse("127.0.0.0/8"), IPNetwork.Parse("::1/128")];
        }

        var parsed = new List<IPNetwork>();
        for (var i = 0; i < configured.Length; i++)
        {
            var text = configured[i]?.Trim() ?? "";
            if (IPNetwork.TryParse(text, out var network))
            {
                parsed.Add(network);
            }
            else if (IPAddress.TryParse(text, out var single))
            {
                parsed.Add(new IPNetwork(single, single.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128));
            }
            else
            {
                throw new StartupException($"Kindred cannot start: Kindred:Metrics:AllowedNetworks:{i} '{text}' is not an address or network, " +
                                           $"e.g. Kindred__Metrics__AllowedNetworks__{i}=10.0.0.0/8 (the network your Prometheus scrapes from).");
            }
        }

        return parsed;
    }

    // Kept apart (and never inlined) so that with metrics off the JIT never meets an OpenTelemetry type.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void AddOpenTelemetry(IServiceCollection services)
    {
        services.AddSingleton<QueueDepths>();
        services.AddOpenTelemetry().WithMetrics(m => m
            .AddMeter(KindredMetrics.MeterName, QueueDepths.MeterName, "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel",
                "System.Runtime", "Npgsql")
            .AddPrometheusExporter());
    }

    /// <summary>Serves <c>/metrics</c> to the allowed networks (after forwarded headers, so a proxy's client is judged, not the proxy).</summary>
    public static void Map(WebApplication app, IReadOnlyList<IPNetwork> allowed)
    {
        app.Services.GetRequiredService<QueueDepths>().Start();
        app.UseWhen(http => http.Request.Path.Equals(Path, StringComparison.OrdinalIgnoreCase), branch => branch.Use(async (http, next) =>
        {
            var remote = http.Connection.RemoteIpAddress;
            if (remote is { IsIPv4MappedToIPv6: true })
            {
                remote = remote.MapToIPv4();
            }

            if (remote is null || !allowed.Any(n => n.Contains(remote)))
            {
                http.Response.StatusCode = StatusCodes.Status404NotFound;
                return;
            }

            await next(http);
        }));
        MapScrapingEndpoint(app);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void MapScrapingEndpoint(WebApplication app) => app.MapPrometheusScrapingEndpoint(Path);
}

/// <summary>
/// How much work is waiting: inbox activities, deliveries and background jobs, read from the database at most every
/// 15 seconds however often Prometheus scrapes, and shared by the nodes (they all see the same tables).
/// </summary>
public sealed class QueueDepths(Database db, ILogger<QueueDepths> logger) : IDisposable
{
    public const string MeterName = "Kindred.Queues";
    private static readonly TimeSpan Fresh = TimeSpan.FromSeconds(15);

    private const string Counts = """
        SELECT
            (SELECT COUNT(*) FROM inbox_activities WHERE status = 'pending') AS inbox,
            (SELECT COUNT(*) FROM delivery_jobs WHERE state IN ('queued', 'in_flight')) AS deliveries,
            (SELECT COUNT(*) FROM jobs WHERE state IN ('queued', 'running')) AS jobs
        """;

    private readonly System.Diagnostics.Metrics.Meter _meter = new(MeterName);
    private readonly Lock _gate = new();
    private (long Inbox, long Deliveries, long Jobs) _last;
    private DateTimeOffset _readAt = DateTimeOffset.MinValue;

    public void Start()
    {
        _meter.CreateObservableGauge("kindred.queue.depth", () => Read(), "{item}", "Work waiting: inbox activities, deliveries and jobs.");
    }

    private IEnumerable<System.Diagnostics.Metrics.Measurement<long>> Read()
    {
        (long Inbox, long Deliveries, long Jobs) v;
        lock (_gate)
        {
            if (DateTimeOffset.UtcNow - _readAt > Fresh)
            {
                try
                {
                    using var c = db.Open();
                    var row = c.QuerySingle<(long, long, long)>(Counts);
                    _last = row;
                }
                catch (Exception ex) when (ex is System.Data.Common.DbException or InvalidOperationException)
                {
                    logger.LogWarning("Metrics could not read queue depths: {Error}", ex.Message);
                }

                _readAt = DateTimeOffset.UtcNow;
            }

            v = _last;
        }

        yield return new(v.Inbox, new KeyValuePair<string, object?>("queue", "inbox"));
        yield return new(v.Deliveries, new KeyValuePair<string, object?>("queue", "delivery"));
        yield return new(v.Jobs, new KeyValuePair<string, object?>("queue", "jobs"));
    }

    public void Dispose() => _meter.Dispose();
}
