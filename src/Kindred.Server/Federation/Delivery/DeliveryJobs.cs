using Dapper;
using Kindred.Server.Data;
using Kindred.Server.Web;

namespace Kindred.Server.Federation.Delivery;

/// <summary>A job the worker holds a lease on.</summary>
public sealed class ClaimedJob
{
    public Guid Id { get; init; }
    public string ActivityId { get; init; } = "";
    public string ActorId { get; init; } = "";
    public string InboxUrl { get; init; } = "";
    public string TargetHost { get; init; } = "";
    public string Body { get; init; } = "";

    /// <summary>Attempts including this one.</summary>
    public int Attempts { get; init; }

    public DateTimeOffset GiveUpAt { get; init; }
}

/// <summary>
/// Claiming due jobs for the worker, probing paused instances, and housekeeping. Claims are atomic UPDATE ... RETURNING
/// statements: on PostgreSQL the candidates are locked with FOR UPDATE SKIP LOCKED, so several app nodes never claim
/// the same job; on SQLite there is one writer, so the UPDATE alone is atomic.
/// </summary>
public sealed class DeliveryJobs(Database db)
{
    // Due jobs, and jobs whose lease expired (their worker died), of instances that are neither paused nor busy here.
    // At most @PerHost per instance in one claim, so one instance's backlog does not fill every slot. The two kinds
    // of candidate are read separately, each in the order of its own partial index and only as far as @Scan: one
    // query with "queued OR in_flight" made both engines read and sort every queued job on every claim, which with a
    // 10,000-inbox fan-out cost more than the deliveries themselves.
    private const string ClaimTemplate = """
        WITH due AS (
            SELECT j.id, j.target_host, j.next_attempt_at FROM delivery_jobs j
            WHERE j.state = 'queued' AND j.next_attempt_at <= @Now AND j.target_host {busy}
              AND NOT EXISTS (SELECT 1 FROM delivery_hosts h WHERE h.host = j.target_host AND (h.state <> 'closed' OR h.paused_until > @Now))
            ORDER BY j.next_attempt_at
            LIMIT @Scan {lock}
        ), expired AS (
            SELECT j.id, j.target_host, j.next_attempt_at FROM delivery_jobs j
            WHERE j.state = 'in_flight' AND j.lease_expires_at <= @Now AND j.target_host {busy}
              AND NOT EXISTS (SELECT 1 FROM delivery_hosts h WHERE h.host = j.target_host AND (h.state <> 'closed' OR h.paused_until > @Now))
            ORDER BY j.lease_expires_at
            LIMIT @Scan {lock}
        )
        UPDATE delivery_jobs SET state = 'in_flight', attempts = attempts + 1, lease_owner = @Owner, lease_expires_at = @LeaseUntil
        WHERE id IN (
            SELECT r.id FROM (
                SELECT c.id, c.next_attempt_at, ROW_NUMBER() OVER (PARTITION BY c.target_host ORDER BY c.next_attempt_at) AS rn
                FROM (SELECT id, target_host, next_attempt_at FROM due UNION ALL SELECT id, target_host, next_attempt_at FROM expired) c
            ) r
            WHERE r.rn <= @PerHost
            ORDER BY r.next_attempt_at
            LIMIT @Limit)
        RETURNING id, activity_id, actor_id, inbox_url, target_host, body, attempts, give_up_at
        """;

    // PostgreSQL: Dapper sends the list as an array, and FOR UPDATE SKIP LOCKED keeps several nodes off each other's
    // candidates. SQLite: Dapper expands the list, and there is one writer, so the UPDATE alone is atomic.
    private static readonly string ClaimPostgres = ClaimTemplate.Replace("{busy}", "<> ALL(@Busy)").Replace("{lock}", "FOR UPDATE SKIP LOCKED");
    private static readonly string ClaimSqlite = ClaimTemplate.Replace("{busy}", "NOT IN @Busy").Replace("{lock}", "");

    public async Task<IReadOnlyList<ClaimedJob>> ClaimAsync(string owner, int limit, int perHost, IReadOnlyCollection<string> busyHosts,
        DateTimeOffset now, DateTimeOffset leaseUntil, CancellationToken ct)
    {
        var sql = db.Dialect == Dialect.Postgres ? ClaimPostgres : ClaimSqlite;
        var args = new { Owner = owner, Now = now, LeaseUntil = leaseUntil, Busy = busyHosts.ToArray(),
            PerHost = perHost, Limit = limit, Scan = limit * 4 };
        // In a transaction so that on SQLite it queues with the other writers rather than meeting their lock.
        return await db.InTransactionAsync(async (c, tx) =>
            (IReadOnlyList<ClaimedJob>)(await c.QueryAsync<ClaimedJob>(new CommandDefinition(sql, args, tx, cancellationToken: ct))).AsList(), ct);
    }

    // A paused instance whose cool-down is over becomes half-open; exactly one node wins each instance (row lock),
    // and the cool-down doubles as the probe's lease in case that node dies mid-probe.
    private const string PromoteToHalfOpen = """
        UPDATE delivery_hosts SET state = 'half_open', paused_until = @ProbeUntil
        WHERE state IN ('open', 'half_open') AND paused_until <= @Now
        RETURNING host
        """;

    // The probe is the instance's oldest queued job, due or not: the breaker, not the job's backoff, decides when to try.
    private const string ClaimProbePostgres = """
        UPDATE delivery_jobs SET state = 'in_flight', attempts = attempts + 1, lease_owner = @Owner, lease_expires_at = @LeaseUntil
        WHERE id = (SELECT id FROM delivery_jobs WHERE target_host = @Host AND state = 'queued' ORDER BY next_attempt_at LIMIT 1 FOR UPDATE SKIP LOCKED)
        RETURNING id, activity_id, actor_id, inbox_url, target_host, body, attempts, give_up_at
        """;

    private const string ClaimProbeSqlite = """
        UPDATE delivery_jobs SET state = 'in_flight', attempts = attempts + 1, lease_owner = @Owner, lease_expires_at = @LeaseUntil
        WHERE id = (SELECT id FROM delivery_jobs WHERE target_host = @Host AND state = 'queued' ORDER BY next_attempt_at LIMIT 1)
        RETURNING id, activity_id, actor_id, inbox_url, target_host, body, attempts, give_up_at
        """;

    // Nothing left to probe with: close the breaker; the failure count stays, so the next failure pauses it again.
    private const string CloseIdleHost = "UPDATE delivery_hosts SET state = 'closed', paused_until = NULL WHERE host = @Host AND state = 'half_open'";

    /// <summary>Claims one probe job for each paused instance whose cool-down is over.</summary>
    public async Task<IReadOnlyList<ClaimedJob>> ClaimProbesAsync(string owner, DateTimeOffset now, DateTimeOffset leaseUntil, CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct);
        var hosts = (await connection.QueryAsync<string>(new CommandDefinition(PromoteToHalfOpen, new { Now = now, ProbeUntil = leaseUntil }, cancellationToken: ct))).AsList();
        var probes = new List<ClaimedJob>();
        foreach (var host in hosts)
        {
            var sql = db.Dialect == Dialect.Postgres ? ClaimProbePostgres : ClaimProbeSqlite;
            var job = await connection.QuerySingleOrDefaultAsync<ClaimedJob>(new CommandDefinition(sql, new { Owner = owner, Host = host, LeaseUntil = leaseUntil }, cancellationToken: ct));
            if (job is null)
            {
                await connection.ExecuteAsync(new CommandDefinition(CloseIdleHost, new { Host = host }, cancellationToken: ct));
            }
            else
            {
                probes.Add(job);
            }
        }

        return probes;
    }

    private const string GiveUpExpired = """
        UPDATE delivery_jobs SET state = 'gave_up', finished_at = @Now, lease_owner = NULL, lease_expires_at = NULL,
            last_error = COALESCE(last_error, 'not attempted') || ' (gave up: not delivered within the retry horizon)'
        WHERE state = 'queued' AND give_up_at <= @Now
        """;

    private const string DeleteOld = """
        DELETE FROM delivery_jobs
        WHERE (state = 'delivered' AND finished_at < @DeliveredBefore) OR (state IN ('failed', 'gave_up') AND finished_at < @FailedBefore)
        """;

    /// <summary>Gives up jobs past their horizon (including those of paused instances) and deletes old finished jobs.</summary>
    public async Task<(int GaveUp, int Deleted)> SweepAsync(DateTimeOffset now, DeliveryOptions o, CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct);
        var gaveUp = await connection.ExecuteAsync(new CommandDefinition(GiveUpExpired, new { Now = now }, cancellationToken: ct));
        var deleted = await connection.ExecuteAsync(new CommandDefinition(DeleteOld,
            new { DeliveredBefore = now - o.KeepDelivered, FailedBefore = now - o.KeepFailed }, cancellationToken: ct));
        return (gaveUp, deleted);
    }
}
