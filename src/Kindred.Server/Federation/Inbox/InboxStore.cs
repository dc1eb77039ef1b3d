using Dapper;
using Kindred.Server.Data;
using Kindred.Server.Web;

namespace Kindred.Server.Federation.Inbox;

/// <summary>A stored inbox activity as the worker claims it.</summary>
public sealed record InboxRow
{
    public Guid Id { get; init; }
    public string ActivityId { get; init; } = "";
    public string ActorId { get; init; } = "";
    public string ActivityType { get; init; } = "";
    public string? ObjectType { get; init; }
    public string Inbox { get; init; } = "";
    public string Body { get; init; } = "";
    public int Attempts { get; init; }
}

/// <summary>SQL for <c>inbox_activities</c>: the durable queue between the inbox endpoint and <see cref="InboxWorker"/>.</summary>
public sealed class InboxStore(Database db, TimeProvider time, ILogger<InboxStore> logger) : IDisposable
{
    /// <summary>How long a claimed row stays reserved for one worker; after that another node may take it.</summary>
    public static readonly TimeSpan Lease = TimeSpan.FromMinutes(5);

    /// <summary>A failed activity is tried again after about a minute, doubling (<see cref="Data.Jobs.Backoff"/>), at most 17 hours.</summary>
    public static readonly TimeSpan FirstRetryDelay = TimeSpan.FromMinutes(1);
    public static readonly TimeSpan MaxRetryDelay = TimeSpan.FromHours(17);

    /// <summary>Most activities written in one transaction by the group-commit writer.</summary>
    public const int MaxBatch = 256;

    private const string Insert = """
        INSERT INTO inbox_activities (id, activity_id, actor_id, activity_type, object_type, inbox, key_id, body, received_at, status, attempts, next_attempt_at)
        VALUES (@Id, @ActivityId, @ActorId, @ActivityType, @ObjectType, @Inbox, @KeyId, @Body, @At, 'pending', 0, @At)
        ON CONFLICT (activity_id) DO NOTHING
        """;

    // PostgreSQL: the whole batch in one statement (one round trip instead of one per row), as parallel arrays.
    // SQLite runs in-process, so one prepared INSERT executed per row costs no round trips.
    private const string InsertBatchPostgres = """
        INSERT INTO inbox_activities (id, activity_id, actor_id, activity_type, object_type, inbox, key_id, body, received_at, status, attempts, next_attempt_at)
        SELECT u.id, u.activity_id, u.actor_id, u.activity_type, u.object_type, u.inbox, u.key_id, u.body, u.received_at, 'pending', 0, u.received_at
        FROM UNNEST(@Ids, @ActivityIds, @ActorIds, @ActivityTypes, @ObjectTypes, @Inboxes, @KeyIds, @Bodies, @Times)
            AS u(id, activity_id, actor_id, activity_type, object_type, inbox, key_id, body, received_at)
        ON CONFLICT (activity_id) DO NOTHING
        """;

    private sealed record InboxInsert(Guid Id, string ActivityId, string ActorId, string ActivityType, string? ObjectType, string Inbox, string KeyId, string Body, DateTimeOffset At);

    private sealed record PendingInsert(InboxInsert Row, TaskCompletionSource Stored);

    private Task<int> InsertBatchAsync(System.Data.Common.DbConnection c, System.Data.Common.DbTransaction tx, IReadOnlyList<InboxInsert> rows) =>
        db.Dialect == Dialect.Postgres
            ? c.ExecuteAsync(InsertBatchPostgres, new
            {
                Ids = rows.Select(r => r.Id).ToArray(), ActivityIds = rows.Select(r => r.ActivityId).ToArray(),
                ActorIds = rows.Select(r => r.ActorId).ToArray(), ActivityTypes = rows.Select(r => r.ActivityType).ToArray(),
                ObjectTypes = rows.Select(r => r.ObjectType).ToArray(), Inboxes = rows.Select(r => r.Inbox).ToArray(),
                KeyIds = rows.Select(r => r.KeyId).ToArray(), Bodies = rows.Select(r => r.Body).ToArray(), Times = rows.Select(r => r.At).ToArray(),
            }, tx)
            : c.ExecuteAsync(Insert, rows, tx);

    private readonly System.Threading.Channels.Channel<PendingInsert> _pending =
        System.Threading.Channels.Channel.CreateUnbounded<PendingInsert>(new() { SingleReader = true });

    private int _writerStarted;

    /// <summary>
    /// Stores a verified activity durably (a duplicate of an activity id already stored is ignored). Concurrent
    /// requests are written together by one writer in one transaction (group commit): the commit, not the row, is
    /// what costs on a disk, so a burst of deliveries shares it instead of queueing for the database one by one.
    /// The caller's 202 still waits until its own row has committed.
    /// </summary>
    public Task AddAsync(string activityId, string actorId, string activityType, string? objectType, string inbox, string keyId, string body, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var pending = new PendingInsert(new InboxInsert(Ids.New(time), activityId, actorId, activityType, objectType, inbox, keyId, body, now),
            new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        if (Interlocked.Exchange(ref _writerStarted, 1) == 0)
        {
            _ = Task.Run(WriteLoopAsync, CancellationToken.None);
        }

        if (!_pending.Writer.TryWrite(pending))
        {
            throw new ObjectDisposedException(nameof(InboxStore), "The inbox is shutting down.");
        }

        return pending.Stored.Task.WaitAsync(ct);
    }

    private async Task WriteLoopAsync()
    {
        var batch = new List<PendingInsert>(MaxBatch);
        while (await _pending.Reader.WaitToReadAsync())
        {
            while (batch.Count < MaxBatch && _pending.Reader.TryRead(out var next))
            {
                batch.Add(next);
            }

            try
            {
                await db.InTransactionAsync((c, tx) => InsertBatchAsync(c, tx, batch.Select(b => b.Row).ToList()));
                foreach (var one in batch)
                {
                    one.Stored.TrySetResult();
                }
            }
            catch (Exception ex) when (batch.Count > 1)
            {
                // One bad row must not fail its neighbours: write them one by one.
                logger.LogWarning(ex, "Group commit of {Count} inbox activities failed; writing them one by one", batch.Count);
                foreach (var one in batch)
                {
                    try
                    {
                        await using var c = await db.OpenAsync();
                        await c.ExecuteAsync(Insert, one.Row);
                        one.Stored.TrySetResult();
                    }
                    catch (Exception single)
                    {
                        one.Stored.TrySetException(single);
                    }
                }
            }
            catch (Exception ex)
            {
                batch[0].Stored.TrySetException(ex);
            }

            batch.Clear();
        }
    }

    public void Dispose() => _pending.Writer.TryComplete();

    // Both engines run the same UPDATE ... RETURNING; PostgreSQL adds FOR UPDATE SKIP LOCKED so several nodes
    // claim disjoint rows without waiting on each other. SQLite has one writer at a time, so no clause is needed.
    private const string ClaimSqlite = """
        UPDATE inbox_activities SET locked_until = @lease, attempts = attempts + 1
        WHERE id IN (SELECT id FROM inbox_activities
                     WHERE status = 'pending' AND next_attempt_at <= @now AND (locked_until IS NULL OR locked_until < @now)
                     ORDER BY next_attempt_at LIMIT @max)
        RETURNING id, activity_id, actor_id, activity_type, object_type, inbox, body, attempts
        """;

    private const string ClaimPostgres = """
        UPDATE inbox_activities SET locked_until = @lease, attempts = attempts + 1
        WHERE id IN (SELECT id FROM inbox_activities
                     WHERE status = 'pending' AND next_attempt_at <= @now AND (locked_until IS NULL OR locked_until < @now)
                     ORDER BY next_attempt_at LIMIT @max FOR UPDATE SKIP LOCKED)
        RETURNING id, activity_id, actor_id, activity_type, object_type, inbox, body, attempts
        """;

    public async Task<IReadOnlyList<InboxRow>> ClaimAsync(int max, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var sql = db.Dialect == Dialect.Postgres ? ClaimPostgres : ClaimSqlite;
        // In a transaction so that on SQLite it queues with the other writers rather than meeting their lock.
        return await db.InTransactionAsync(async (c, tx) => (await c.QueryAsync<InboxRow>(sql, new { now, lease = now + Lease, max }, tx)).AsList(), ct);
    }

    private const string PruneProcessed = """
        DELETE FROM inbox_activities WHERE status IN ('done', 'failed') AND received_at < @before
        """;

    /// <summary>Retention: deletes processed (done or failed) activities received before <paramref name="before"/>; pending ones stay.</summary>
    public async Task<int> PruneAsync(DateTimeOffset before, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        return await c.ExecuteAsync(new CommandDefinition(PruneProcessed, new { before }, cancellationToken: ct));
    }

    private const string Release = "UPDATE inbox_activities SET locked_until = NULL, attempts = attempts - 1 WHERE id = @id AND status = 'pending'";

    /// <summary>Gives claimed rows back unprocessed (the claim counted an attempt that did not happen).</summary>
    public async Task ReleaseAsync(IEnumerable<Guid> ids, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        await c.ExecuteAsync(Release, ids.Select(id => new { id }));
    }

    private const string Done = "UPDATE inbox_activities SET status = 'done', processed_at = @now, locked_until = NULL, last_error = NULL WHERE id = @id";

    private const string DonePostgres = "UPDATE inbox_activities SET status = 'done', processed_at = @now, locked_until = NULL, last_error = NULL WHERE id = ANY(@ids)";

    /// <summary>Marks handled rows done, in one statement (one commit for a whole claimed batch).</summary>
    public async Task CompleteAsync(IReadOnlyCollection<Guid> ids, CancellationToken ct)
    {
        if (ids.Count == 0)
        {
            return;
        }

        var now = time.GetUtcNow();
        await db.InTransactionAsync((c, tx) => db.Dialect == Dialect.Postgres
            ? c.ExecuteAsync(DonePostgres, new { ids = ids.ToArray(), now }, tx) // one round trip for the batch
            : c.ExecuteAsync(Done, ids.Select(id => new { id, now }), tx), ct);
    }

    private const string Retry = """
        UPDATE inbox_activities SET status = @status, next_attempt_at = @next, locked_until = NULL, last_error = @error,
            processed_at = CASE WHEN @status = 'failed' THEN @now ELSE NULL END
        WHERE id = @id
        """;

    /// <summary>Records a failed attempt: retried later with backoff, or marked failed after <paramref name="maxAttempts"/>.</summary>
    public async Task FailAsync(InboxRow row, string error, int maxAttempts, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var status = row.Attempts >= maxAttempts ? "failed" : "pending";
        var next = now + Data.Jobs.Backoff.After(row.Attempts, FirstRetryDelay, MaxRetryDelay, Random.Shared.NextDouble());
        error = error.Length > 2000 ? error[..2000] : error;
        await using var c = await db.OpenAsync(ct);
        await c.ExecuteAsync(Retry, new { id = row.Id, status, next, error, now });
    }
}
