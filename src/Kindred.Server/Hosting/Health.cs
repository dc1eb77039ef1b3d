using Kindred.Server.Data;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Kindred.Server.Web;

namespace Kindred.Server.Hosting;

/// <summary>Ready when the database answers and its schema is current. (<c>/healthz</c> only says the process is alive.)</summary>
public sealed class DatabaseHealthCheck(Database db, Migrator migrator) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var connection = await db.OpenAsync(cancellationToken);
            var pending = await migrator.PendingAsync(connection);
            return pending.Count == 0
                ? HealthCheckResult.Healthy($"{db.Dialect} reachable, schema current")
                : HealthCheckResult.Unhealthy($"{pending.Count} migration(s) not applied: run 'admin migrate'");
        }
        catch (Exception ex) when (ex is System.Data.Common.DbException or InvalidOperationException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy("Database unreachable: " + ex.Message);
        }
    }
}
