using Dapper;
using Kindred.Server.Data;
using Kindred.Server.Diagnostics;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Kindred.Server.Federation.Delivery;

/// <summary>
/// For the admin status page: deliveries overdue for longer than <see cref="StatusChecks.StalledAfter"/> to servers that
/// are not paused (no node's delivery worker is sending), and servers that still have deliveries waiting but have not
/// accepted one for more than a day.
/// </summary>
public sealed class DeliveryStatusCheck(Database db, TimeProvider time) : IHealthCheck
{
    private const string Overdue = """
        SELECT COUNT(*) FROM delivery_jobs j
        WHERE j.state = 'queued' AND j.next_attempt_at < @before
          AND NOT EXISTS (SELECT 1 FROM delivery_hosts h WHERE h.host = j.target_host AND (h.state <> 'closed' OR h.paused_until > @now))
        """;

    private const string FailingForADay = """
        SELECT h.host FROM delivery_hosts h
        WHERE h.last_failure_at > @dayAgo AND (h.last_success_at IS NULL OR h.last_success_at < @dayAgo)
          AND EXISTS (SELECT 1 FROM delivery_jobs j WHERE j.target_host = h.host AND j.state IN ('queued', 'in_flight') AND j.created_at < @dayAgo)
        ORDER BY h.host LIMIT 11
        """;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        await using var c = await db.OpenAsync(cancellationToken);
        var overdue = await c.ExecuteScalarAsync<long>(new CommandDefinition(Overdue, new { before = now - StatusChecks.StalledAfter, now }, cancellationToken: cancellationToken));
        var failing = (await c.QueryAsync<string>(new CommandDefinition(FailingForADay, new { dayAgo = now.AddDays(-1) }, cancellationToken: cancellationToken))).ToList();
        var problems = new List<string>();
        if (overdue > 0)
        {
            problems.Add($"{overdue} deliveries are more than {StatusChecks.StalledAfter.TotalMinutes:0} minutes overdue: is the delivery worker running? Check the log for 'Delivery'.");
        }

        if (failing.Count > 0)
        {
            problems.Add($"Failing for more than a day: {string.Join(", ", failing.Take(10))}{(failing.Count > 10 ? " and more" : "")}. " +
                         "Members there are not receiving posts; see Federation deliveries.");
        }

        return problems.Count == 0 ? StatusChecks.Ok("Deliveries to other servers are flowing.") : StatusChecks.Attention(string.Join(" ", problems));
    }
}
