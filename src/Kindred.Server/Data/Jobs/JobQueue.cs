using System.Data.Common;
using Dapper;

namespace Kindred.Server.Data.Jobs;

/// <summary>A job a worker holds a lease on.</summary>
public sealed record Job
{
    public Guid Id { get; init; }
    public string Kind { get; init; } = "";
    public string Payload { get; init; } = "";
    public string? DedupeKey { get; init; }

    /// <summary>Attempts including this one.</summary>
    public int Attempts { get; init; }
    public int MaxAttempts { get; init; }
}

/// <summary>Signals the job worker; one per process.</summary>
public sealed class JobSignal : WorkSignal;

/// <summary>
/// The one job queue (<c>jobs</c>): durable background work written in the caller's transaction, so a rolled-back change
/// queues nothing and a committed one runs even if the process dies right after. Claims are atomic UPDATE ... RETURNING
/// statements over due jobs and jobs whose lease expired (their node died); on PostgreSQL the candidates are locked with
/// FOR UPDATE SKIP LOCKED so several nodes never claim the same job. Failures are retried on <see cref="Backoff"/> until
/// <c>max_attempts</c>; done and failed jobs are kept a while for admins, then deleted.
/// </summary>
public sealed class JobQueue(Database db, JobSignal signal, TimeProvider time)
{
    public static class States
    {
        public const string Queued = "queued";
        public const string Running = "running";
        public const string Done = "done";
        public const string Failed = "failed";
    }

    /// <summary>First retry after about this long, doubling, at most <see cref="MaxRetryDelay"/>.</summary>
    public static readonly TimeSpan FirstRetryDelay = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan MaxRetryDelay = TimeSpan.FromHours(6);

    private const string Insert = """
        INSERT INTO jobs (id, kind, payload, dedupe_key, state, attempts, max_attempts, next_attempt_at, created_at)
        VALUES (@Id, @Kind, @Payload, @DedupeKey, 'queued', 0, @MaxAttempts, @RunAt, @Now)
        ON CONFLICT DO NOTHING
        """;

    /// <summary>
    /// Queues a job in the caller's transaction, to run at <paramref name="runAt"/> (now when null). With a
    /// <paramref name="dedupeKey"/>, a job of the same kind and key that is still queued or running makes this a no-op
    /// (false). The worker is woken when the transaction commits.
    /// </summary>
    public async Task<bool> EnqueueAsync(DbConnection c, DbTransaction tx, string kind, string payload = "", string? dedupeKey = null,
        DateTimeOffset? runAt = null, int maxAttempts = 10)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(kind);
        var now = time.GetUtcNow();
        var added = await c.ExecuteAsync(Insert, new
        {
            Id = Ids.New(time), Kind = kind, Payload = payload, DedupeKey = dedupeKey, MaxAttempts = Math.Max(1, maxAttempts), RunAt = runAt ?? now, Now = now,
        }, tx) > 0;
        if (added)
        {
            db.AfterCommit(tx, signal.Wake);
        }

        return added;
    }

    // Due jobs, and jobs whose lease expired (their node died). PostgreSQL adds FOR UPDATE SKIP LOCKED so several nodes
    // claim disjoint jobs without waiting on each other; SQLite has one writer, so the UPDATE alone is atomic.
    private const string ClaimTemplate = """
        UPDATE jobs SET state = 'running', attempts = attempts + 1, lease_owner = @Owner, lease_expires_at = @LeaseUntil
        WHERE id IN (
            SELECT id FROM jobs
            WHERE kind {kinds} AND ((state = 'queued' AND next_attempt_at <= @Now) OR (state = 'running' AND lease_expires_at <= @Now))
            ORDER BY COALESCE(lease_expires_at, next_attempt_at)
            LIMIT @Max {lock})
        RETURNING id, kind, payload, dedupe_key, attempts, max_attempts
        """;

    private static readonly string ClaimSqlite = ClaimTemplate.Replace("{kinds}", "IN @Kinds").Replace("{lock}", "");
    private static readonly string ClaimPostgres = ClaimTemplate.Replace("{kinds}", "= ANY(@Kinds)").Replace("{lock}", "FOR UPDATE SKIP LOCKED");

    /// <summary>Claims up to <paramref name="max"/> due jobs of <paramref name="kinds"/> for <paramref name="lease"/>.</summary>
    public async Task<IReadOnlyList<Job>> ClaimAsync(IReadOnlyCollection<string> kinds, string owner, int max, TimeSpan lease, CancellationToken ct)
    {
        if (kinds.Count == 0)
        {
            return [];
        }

        var now = time.GetUtcNow();
        var sql = db.Dialect == Dialect.Postgres ? ClaimPostgres : ClaimSqlite;
        var args = new { Kinds = kinds.ToArray(), Owner = owner, Now = now, LeaseUntil = now + lease, Max = max };
        // In a transaction so that on SQLite it queues with the other writers rather than meeting their lock.
        return await db.InTransactionAsync(async (c, tx) =>
            (IReadOnlyList<Job>)(await c.QueryAsync<Job>(new CommandDefinition(sql, args, tx, cancellationToken: ct))).AsList(), ct);
    }

    private const string Finish = """
        UPDATE jobs SET state = @State, finished_at = @Now, lease_owner = NULL, lease_expires_at = NULL, last_error = @Error
        WHERE id = @Id AND state = 'running'
        """;

    private const string Again = """
        UPDATE jobs SET state = 'queued', next_attempt_at = @Next, lease_owner = NULL, lease_expires_at = NULL, last_error = @Error
        WHERE id = @Id AND state = 'running'
        """;

    public Task CompleteAsync(Guid id, CancellationToken ct) =>
        db.InTransactionAsync((c, tx) => c.ExecuteAsync(Finish, new { Id = id, State = States.Done, Now = time.GetUtcNow(), Error = (string?)null }, tx), ct);

    /// <summary>
    /// Records a failed attempt: retried on <see cref="Backoff"/>, or failed for good (with the reason, for admins) when
    /// <paramref name="permanent"/> or out of attempts. Returns the state the job is now in.
    /// </summary>
    public async Task<string> FailAsync(Job job, string error, bool permanent, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(job);
        error = error.Length > 2000 ? error[..2000] : error;
        var now = time.GetUtcNow();
        if (permanent || job.Attempts >= job.MaxAttempts)
        {
            await db.InTransactionAsync((c, tx) => c.ExecuteAsync(Finish, new { job.Id, State = States.Failed, Now = now, Error = error }, tx), ct);
            return States.Failed;
        }

        var next = now + Backoff.After(job.Attempts, FirstRetryDelay, MaxRetryDelay, Random.Shared.NextDouble());
        await db.InTransactionAsync((c, tx) => c.ExecuteAsync(Again, new { job.Id, Next = next, Error = error }, tx), ct);
        return States.Queued;
    }

    private const string Release = """
        UPDATE jobs SET state = 'queued', attempts = attempts - 1, lease_owner = NULL, lease_expires_at = NULL WHERE id = @Id AND state = 'running'
        """;

    /// <summary>Gives a claimed job back unrun (shutting down): the claim counted an attempt that did not happen.</summary>
    public Task ReleaseAsync(Guid id, CancellationToken ct) =>
        db.InTransactionAsync((c, tx) => c.ExecuteAsync(Release, new { Id = id }, tx), ct);

    private const string QueuedSince = "SELECT COUNT(*) FROM jobs WHERE kind = @Kind AND dedupe_key = @DedupeKey AND created_at > @Since";

    /// <summary>Whether a job of <paramref name="kind"/> with <paramref name="dedupeKey"/> was queued after <paramref name="since"/> (finished jobs count until pruned).</summary>
    public async Task<bool> QueuedSinceAsync(string kind, string dedupeKey, DateTimeOffset since, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        return await QueuedSinceAsync(c, null, kind, dedupeKey, since);
    }

    /// <inheritdoc cref="QueuedSinceAsync(string, string, DateTimeOffset, CancellationToken)"/>
    public static async Task<bool> QueuedSinceAsync(DbConnection c, DbTransaction? tx, string kind, string dedupeKey, DateTimeOffset since) =>
        await c.ExecuteScalarAsync<long>(QueuedSince, new { Kind = kind, DedupeKey = dedupeKey, Since = since }, tx) > 0;

    private const string Sooner = "UPDATE jobs SET next_attempt_at = @Now WHERE kind = @Kind AND dedupe_key = @DedupeKey AND state = 'queued' AND next_attempt_at > @Now";

    /// <summary>Makes a queued job of <paramref name="kind"/> with <paramref name="dedupeKey"/> due now (what it waited for has
    /// happened), in the caller's transaction; the worker is woken when it commits. False when none was waiting.</summary>
    public async Task<bool> RunSoonerAsync(DbConnection c, DbTransaction tx, string kind, string dedupeKey)
    {
        var moved = await c.ExecuteAsync(Sooner, new { Kind = kind, DedupeKey = dedupeKey, Now = time.GetUtcNow() }, tx) > 0;
        if (moved)
        {
            db.AfterCommit(tx, signal.Wake);
        }

        return moved;
    }

    private const string DeleteOld = "DELETE FROM jobs WHERE state IN ('done', 'failed') AND finished_at < @Before";

    /// <summary>Deletes finished jobs older than <paramref name="keep"/>.</summary>
    public Task<int> PruneAsync(TimeSpan keep, CancellationToken ct) =>
        db.InTransactionAsync((c, tx) => c.ExecuteAsync(DeleteOld, new { Before = time.GetUtcNow() - keep }, tx), ct);
}
