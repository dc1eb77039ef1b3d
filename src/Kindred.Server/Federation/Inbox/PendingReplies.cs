using System.Data.Common;
using Dapper;
using Kindred.Server.Data;
using Kindred.Server.Data.Jobs;
using Kindred.Server.Web;

namespace Kindred.Server.Federation.Inbox;

/// <summary>A reply waiting for its parent, as stored.</summary>
public sealed record PendingReply
{
    public Guid Id { get; init; }
    public string ApId { get; init; } = "";
    public string ParentApId { get; init; } = "";
    public Guid GroupId { get; init; }
    public string Server { get; init; } = "";
    public string Activity { get; init; } = "";
    public int Authentic { get; init; }
    public DateTimeOffset ReceivedAt { get; init; }
}

/// <summary>How many replies each server has waiting for their parent, and since when (for admins).</summary>
public sealed record PendingReplyCount
{
    public string Server { get; init; } = "";
    public long Count { get; init; }
    public DateTimeOffset OldestAt { get; init; }
}

/// <summary>
/// The owner of <c>pending_replies</c> (issue 16): a reply from a group elsewhere whose parent we do not hold and could
/// not fetch waits here instead of being lost, and a job (<see cref="Job"/>) tries it again on the job queue's backoff;
/// when its parent arrives, the job is made due at once. At most <see cref="MaxPerServer"/> wait per server.
/// </summary>
public sealed class PendingReplies(Database db, JobQueue jobs, TimeProvider time, ILogger<PendingReplies> logger)
{
    public const string Job = "federation.pending-reply";

    /// <summary>Attempts before a reply is given up (first retry after about 30 s, doubling: about eight hours in all).</summary>
    public const int MaxAttempts = 10;

    /// <summary>A server that sends more orphans than this has them dropped (counted) rather than kept.</summary>
    public const int MaxPerServer = 200;

    private const string CountForServer = "SELECT COUNT(*) FROM pending_replies WHERE server = @server";

    private const string Insert = """
        INSERT INTO pending_replies (id, ap_id, parent_ap_id, group_id, server, activity, authentic, received_at, last_error)
        VALUES (@Id, @ApId, @ParentApId, @GroupId, @Server, @Activity, @Authentic, @Now, @Error)
        ON CONFLICT (ap_id) DO NOTHING
        """;

    /// <summary>Keeps a reply whose parent is missing and queues its retry; false when the server already has too many waiting.</summary>
    public Task<bool> HoldAsync(Guid groupId, Uri replyId, Uri parentId, string server, string activityJson, bool authentic, string error, CancellationToken ct) =>
        db.InTransactionAsync(async (c, tx) =>
        {
            if (await c.ExecuteScalarAsync<long>(CountForServer, new { server }, tx) >= MaxPerServer)
            {
                return false;
            }

            var id = Ids.New(time);
            if (await c.ExecuteAsync(Insert, new
                {
                    Id = id, ApId = replyId.AbsoluteUri, ParentApId = parentId.AbsoluteUri, GroupId = groupId, Server = server, Activity = activityJson,
                    Authentic = authentic ? 1 : 0, Now = time.GetUtcNow(), Error = error.Length <= 500 ? error : error[..500],
                }, tx) > 0)
            {
                // Not now: the parent was just asked for. The queue's backoff spaces the retries.
                await jobs.EnqueueAsync(c, tx, Job, id.ToString(), dedupeKey: id.ToString(), runAt: time.GetUtcNow() + JobQueue.FirstRetryDelay, maxAttempts: MaxAttempts);
                logger.LogInformation("Reply {Reply} from {Server} waits for its parent {Parent}: {Error}", replyId, server, parentId, error);
            }

            return true;
        }, ct);

    private const string Children = "SELECT id FROM pending_replies WHERE parent_ap_id = @parent";

    /// <summary>In the transaction that stored <paramref name="parentId"/>: the replies waiting for it are tried at once.</summary>
    public async Task WakeChildrenAsync(DbConnection c, DbTransaction tx, Uri parentId)
    {
        ArgumentNullException.ThrowIfNull(parentId);
        foreach (var id in await c.QueryAsync<Guid>(Children, new { parent = parentId.AbsoluteUri }, tx))
        {
            await jobs.RunSoonerAsync(c, tx, Job, id.ToString());
        }
    }

    private const string ById = "SELECT id, ap_id, parent_ap_id, group_id, server, activity, authentic, received_at FROM pending_replies WHERE id = @id";

    public async Task<PendingReply?> FindAsync(Guid id, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        return await c.QuerySingleOrDefaultAsync<PendingReply>(ById, new { id });
    }

    private const string Delete = "DELETE FROM pending_replies WHERE id = @id";

    /// <summary>Stored, refused or given up: it waits no more.</summary>
    public Task RemoveAsync(Guid id, CancellationToken ct) => db.InTransactionAsync((c, tx) => c.ExecuteAsync(Delete, new { id }, tx), ct);

    private const string Counts = """
        SELECT server, COUNT(*) AS count, MIN(received_at) AS oldest_at FROM pending_replies GROUP BY server ORDER BY COUNT(*) DESC, server LIMIT @limit
        """;

    public async Task<IReadOnlyList<PendingReplyCount>> CountsAsync(int limit, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        return (await c.QueryAsync<PendingReplyCount>(new CommandDefinition(Counts, new { limit }, cancellationToken: ct))).ToList();
    }
}
