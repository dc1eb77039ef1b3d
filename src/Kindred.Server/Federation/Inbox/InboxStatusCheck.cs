using Dapper;
using Kindred.Server.Data;
using Kindred.Server.Diagnostics;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Kindred.Server.Federation.Inbox;

/// <summary>
/// For the admin status page: activities from other servers waiting longer than <see cref="StatusChecks.StalledAfter"/>
/// (no node's inbox worker is processing), and how many failed in the last day.
/// </summary>
public sealed class InboxStatusCheck(Database db, TimeProvider time) : IHealthCheck
{
    private const string Overdue = "SELECT COUNT(*) FROM inbox_activities WHERE status = 'pending' AND next_attempt_at < @before";
    private const string FailedRecently = "SELECT COUNT(*) FROM inbox_activities WHERE status = 'failed' AND processed_at > @dayAgo";

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        await using var c = await db.OpenAsync(cancellationToken);
        var overdue = await c.ExecuteScalarAsync<long>(new CommandDefinition(Overdue, new { before = now - StatusChecks.StalledAfter }, cancellationToken: cancellationToken));
        var failed = await c.ExecuteScalarAsync<long>(new CommandDefinition(FailedRecently, new { dayAgo = now.AddDays(-1) }, cancellationToken: cancellationToken));
        if (overdue > 0)
        {
            return StatusChecks.Attention($"{overdue} activities from other servers have waited more than {StatusChecks.StalledAfter.TotalMinutes:0} minutes: " +
                                          "is the inbox worker running? Check the log for 'Inbox'.");
        }

        return failed > 0
            ? StatusChecks.Attention($"{failed} activities from other servers could not be processed in the last day (see Dropped activities and the log).")
            : StatusChecks.Ok("Activities from other servers are being processed.");
    }
}
