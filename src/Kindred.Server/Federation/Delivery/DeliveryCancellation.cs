using Dapper;
using Kindred.Server.Data;

namespace Kindred.Server.Federation.Delivery;

/// <summary>
/// Cancels what is queued for servers the federation policy cut off (issue 13): the jobs end as <c>failed</c> with the
/// reason, never retried. Which hosts are cut is the caller's question (a predicate over <c>host[:port]</c>), so the
/// policy's wildcard and subdomain rules stay in one place.
/// </summary>
public sealed class DeliveryCancellation(Database db, TimeProvider time)
{
    private const string QueuedHosts = "SELECT DISTINCT target_host FROM delivery_jobs WHERE state = 'queued'";

    private const string Cancel = """
        UPDATE delivery_jobs SET state = 'failed', finished_at = @Now, last_error = @Reason, lease_owner = NULL, lease_expires_at = NULL
        WHERE target_host = @Host AND state = 'queued'
        """;

    private const string CountQueued = "SELECT target_host AS Host, COUNT(*) AS Count FROM delivery_jobs WHERE state IN ('queued', 'in_flight') GROUP BY target_host";

    /// <summary>Cancels every queued job to a host <paramref name="cut"/> says yes to; returns how many.</summary>
    public async Task<int> CancelAsync(Func<string, bool> cut, string reason, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(cut);
        return await db.InTransactionAsync(async (c, tx) =>
        {
            var hosts = (await c.QueryAsync<string>(new CommandDefinition(QueuedHosts, transaction: tx, cancellationToken: ct))).Where(cut).ToList();
            var now = time.GetUtcNow();
            var cancelled = 0;
            foreach (var host in hosts)
            {
                cancelled += await c.ExecuteAsync(new CommandDefinition(Cancel, new { Host = host, Now = now, Reason = reason }, tx, cancellationToken: ct));
            }

            return cancelled;
        }, ct);
    }

    private sealed class HostCount
    {
        public string Host { get; init; } = "";
        public long Count { get; init; }
    }

    /// <summary>How many deliveries are waiting for hosts <paramref name="cut"/> says yes to (for the impact preview).</summary>
    public async Task<long> CountQueuedAsync(Func<string, bool> cut, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(cut);
        await using var c = await db.OpenAsync(ct);
        return (await c.QueryAsync<HostCount>(new CommandDefinition(CountQueued, cancellationToken: ct))).Where(h => cut(h.Host)).Sum(h => h.Count);
    }
}
