using Kindred.Server.Configuration;
using System.Collections.Concurrent;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Kindred.Server.Hosting;

/// <summary>
/// Notices requests whose transport Kindred cannot trust: a proxy it does not trust (its <c>X-Forwarded-*</c> headers are
/// ignored, so an https request looks like plain http), or plain http reaching an instance whose <c>PublicUrl</c> is
/// https. With an https <c>PublicUrl</c> the antiforgery cookie is <c>Secure</c>-only and the framework throws on such
/// requests; Kindred answers them with an explanation instead (the urgent-help page is always served), logs each
/// address once with the setting to change, and reports an untrusted proxy on <c>/readyz</c>.
/// </summary>
public sealed class ProxyTrust
{
    private const string InsecureKey = "kindred.insecure-transport";
    private const int MaxLoggedAddresses = 64;

    private readonly ConcurrentDictionary<string, bool> _logged = new(StringComparer.Ordinal);
    private readonly ILogger<ProxyTrust> _log;
    private readonly TimeProvider _time;
    private UntrustedProxy? _lastUntrusted;

    public ProxyTrust(IOptions<KindredOptions> options, ILogger<ProxyTrust> log, TimeProvider time)
    {
        _log = log;
        _time = time;
        RequiresHttps = options.Value.PublicUrl.StartsWith("https://", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>A proxy whose forwarded headers were ignored, and when it was last seen.</summary>
    public sealed record UntrustedProxy(string Address, DateTimeOffset SeenAt);

    /// <summary>Whether the public address is https (so forms need a request Kindred knows arrived over https).</summary>
    public bool RequiresHttps { get; }

    public UntrustedProxy? LastUntrusted => Volatile.Read(ref _lastUntrusted);

    /// <summary>Runs after the forwarded-headers middleware: a trusted proxy's headers are consumed there, so any left are from an untrusted one.</summary>
    public void Inspect(HttpContext http)
    {
        if (!http.Request.Headers.ContainsKey("X-Forwarded-Proto"))
        {
            return;
        }

        var address = AddressOf(http);
        Volatile.Write(ref _lastUntrusted, new UntrustedProxy(address, _time.GetUtcNow()));
        if (FirstTime(address))
        {
            _log.LogWarning(
                "Requests reach Kindred through a proxy at {Address} that it does not trust, so its X-Forwarded-Proto and X-Forwarded-For " +
                "headers are ignored (forms are refused with an explanation when Kindred:PublicUrl is https, and every visitor seems to come " +
                "from {Address}). If {Address} is your reverse proxy, set Kindred__ReverseProxy__TrustedProxies__0={Address} or trust its network, " +
                "e.g. Kindred__ReverseProxy__TrustedNetworks__0=172.16.0.0/12 for Docker. See docs/admin-guide-proxy.md.",
                address, address, address, address);
        }
    }

    /// <summary>
    /// True when the page must not carry forms: the public address is https but this request is not known to be. Logs a
    /// plain-http request once per address (an untrusted proxy was already logged by <see cref="Inspect"/>).
    /// </summary>
    public bool IsInsecure(HttpContext http)
    {
        if (!RequiresHttps || http.Request.IsHttps)
        {
            return false;
        }

        if (http.Items.ContainsKey(InsecureKey))
        {
            return true;
        }

        http.Items[InsecureKey] = true;
        var address = AddressOf(http);
        if (!http.Request.Headers.ContainsKey("X-Forwarded-Proto") && FirstTime(address))
        {
            _log.LogWarning(
                "A page was requested over plain http from {Address} without an X-Forwarded-Proto header, but Kindred:PublicUrl is https; " +
                "it was answered with an explanation instead. If {Address} is your reverse proxy, make it send 'X-Forwarded-Proto: https' " +
                "(nginx: proxy_set_header X-Forwarded-Proto $scheme;). Otherwise someone reached Kindred directly, past the proxy: " +
                "listen on loopback only or close the port to the outside. See docs/admin-guide-proxy.md.",
                address, address);
        }

        return true;
    }

    private bool FirstTime(string address) =>
        _logged.Count < MaxLoggedAddresses && _logged.TryAdd(address, true);

    private static string AddressOf(HttpContext http) =>
        http.Connection.RemoteIpAddress is { } ip ? (ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : ip).ToString() : "an unknown address";
}

/// <summary><c>/readyz</c> is Degraded (still 200, so orchestrators keep routing) while an untrusted proxy has been seen in the last day.</summary>
public sealed class ProxyTrustHealthCheck(ProxyTrust trust, TimeProvider time) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var seen = trust.LastUntrusted;
        return Task.FromResult(seen is not null && time.GetUtcNow() - seen.SeenAt < TimeSpan.FromDays(1)
            ? HealthCheckResult.Degraded(
                $"requests arrive through an untrusted proxy at {seen.Address} (last {seen.SeenAt:u}): " +
                $"set Kindred__ReverseProxy__TrustedProxies__0={seen.Address} or a TrustedNetworks entry, see docs/admin-guide-proxy.md")
            : HealthCheckResult.Healthy());
    }
}

public static class ProxyTrustSetup
{
    public static IServiceCollection AddKindredProxyTrust(this IServiceCollection services)
    {
        services.AddSingleton<ProxyTrust>();
        services.AddHealthChecks().AddCheck<ProxyTrustHealthCheck>("proxy", tags: ["ready"]);
        return services;
    }

    public static IApplicationBuilder UseKindredProxyTrust(this IApplicationBuilder app)
    {
        var trust = app.ApplicationServices.GetRequiredService<ProxyTrust>();
        return app.Use((http, next) =>
        {
            trust.Inspect(http);
            return next(http);
        });
    }

    /// <summary>The overall status on the first line (as before), then one line per check that is not healthy.</summary>
    public static HealthCheckOptions ReadyOptions() => new()
    {
        Predicate = c => c.Tags.Contains("ready"),
        ResponseWriter = async (http, report) =>
        {
            http.Response.ContentType = "text/plain; charset=utf-8";
            var lines = new List<string> { report.Status.ToString() };
            lines.AddRange(report.Entries.Where(e => e.Value.Status != HealthStatus.Healthy)
                .Select(e => $"{e.Key}: {e.Value.Status}: {e.Value.Description}"));
            await http.Response.WriteAsync(string.Join('\n', lines), http.RequestAborted);
        },
    };
}
