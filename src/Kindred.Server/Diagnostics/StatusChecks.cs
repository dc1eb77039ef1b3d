using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Kindred.Server.Diagnostics;

/// <summary>
/// The admin status page's checks are health checks tagged <see cref="Tag"/> (each registered by the layer that owns
/// what it looks at), so one page can show them all without knowing their layers. <c>/readyz</c> ignores them: a
/// failing delivery to one server must not take a node out of the load balancer.
/// </summary>
public static class StatusChecks
{
    public const string Tag = "status";

    /// <summary>How long queued work may stay overdue before its worker counts as stalled.</summary>
    public static readonly TimeSpan StalledAfter = TimeSpan.FromMinutes(15);

    public static HealthCheckResult Ok(string description) => HealthCheckResult.Healthy(description);

    public static HealthCheckResult Attention(string description) => HealthCheckResult.Degraded(description);
}
