using Dapper;
using Kindred.Server.Data;
using Microsoft.Extensions.Options;
using Kindred.Server.Web;

namespace Kindred.Server.Federation.Delivery;

/// <summary>Delivery health of one remote instance, as admins see it.</summary>
public sealed class InstanceDeliveryHealth
{
    public string Host { get; init; } = "";

    /// <summary><c>closed</c> (delivering), <c>open</c> (paused by the breaker) or <c>half_open</c> (being probed).</summary>
    public string State { get; init; } = "closed";

    public DateTimeOffset? PausedUntil { get; init; }
    public int ConsecutiveFailures { get; init; }
    public long Queued { get; init; }
    public long Failed { get; init; }
    public long GaveUp { get; init; }
    public DateTimeOffset? LastSuccessAt { get; init; }
    public DateTimeOffset? LastFailureAt { get; init; }
    public string? LastError { get; init; }
}

/// <summary>The admin view of delivery: per-instance counts and the two actions, retry now and resume.</summary>
public sealed class DeliveryHealth(Database db, TimeProvider time, IOptions<DeliveryOptions> options, DeliverySignal signal)
{
    // Instances with something to look at come first: paused, then the longest queues.
    private const string List = """
        SELECT h.host, h.state, h.paused_until, h.consecutive_failures, h.last_success_at, h.last_failure_at, h.last_error,
               COALESCE(SUM(CASE WHEN j.state IN ('queued', 'in_flight') THEN 1 ELSE 0 END), 0) AS queued,
               COALESCE(SUM(CASE WHEN j.state = 'failed' THEN 1 ELSE 0 END), 0) AS failed,
               COALESCE(SUM(CASE WHEN j.state = 'gave_up' THEN 1 ELSE 0 END), 0) AS gave_up
        FROM delivery_hosts h
        LEFT JOIN delivery_jobs j ON j.target_host = h.host
        GROUP BY h.host, h.state, h.paused_until, h.consecutive_failures, h.last_success_at, h.last_failure_at, h.last_error
        ORDER BY CASE WHEN h.state = 'closed' THEN 1 ELSE 0 END, queued DESC, h.host
        LIMIT @Limit
        """;

    public async Task<IReadOnlyList<InstanceDeliveryHealth>> ListAsync(int limit, CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct);
        return (await connection.QueryAsync<InstanceDeliveryHealth>(new CommandDefinition(List, new { Limit = limit }, cancellationToken: ct))).AsList();
    }

    private const string CloseBreaker = """
        UPDATE delivery_hosts SET state = 'closed', paused_until = NULL, consecutive_failures = 0 WHERE host = @Host
        """;

    private const string MakeQueuedDue = "UPDATE delivery_jobs SET next_attempt_at = @Now WHERE target_host = @Host AND state = 'queued'";

    // Failed and given-up jobs get a fresh retry horizon; queued ones keep theirs.
    private const string Requeue = """
        UPDATE delivery_jobs SET state = 'queued', next_attempt_at = @Now, give_up_at = @GiveUpAt, finished_at = NULL
        WHERE target_host = @Host AND state IN ('failed', 'gave_up')
        """;

    /// <summary>Resumes a paused instance: closes its breaker and makes its queued jobs due now. False when unknown.</summary>
    public Task<bool> ResumeAsync(string host, CancellationToken ct) => ChangeAsync(host, requeueFailed: false, ct);

    /// <summary>As <see cref="ResumeAsync"/>, and also sends failed and given-up jobs again.</summary>
    public Task<bool> RetryNowAsync(string host, CancellationToken ct) => ChangeAsync(host, requeueFailed: true, ct);

    private async Task<bool> ChangeAsync(string host, bool requeueFailed, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var known = await db.InTransactionAsync(async (c, tx) =>
        {
            if (await c.ExecuteAsync(new CommandDefinition(CloseBreaker, new { Host = host }, tx, cancellationToken: ct)) == 0)
            {
                return false;
            }

            await c.ExecuteAsync(new CommandDefinition(MakeQueuedDue, new { Host = host, Now = now }, tx, cancellationToken: ct));
            if (requeueFailed)
            {
                await c.ExecuteAsync(new CommandDefinition(Requeue, new { Host = host, Now = now, GiveUpAt = now + options.Value.GiveUpAfter }, tx, cancellationToken: ct));
            }

            return true;
        }, ct);
        if (known)
        {
            signal.Wake();
        }

        return known;
    }
}
