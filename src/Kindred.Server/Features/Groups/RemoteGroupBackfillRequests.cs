using System.Data.Common;
using Kindred.Server.Data;
using Kindred.Server.Data.Jobs;

namespace Kindred.Server.Features.Groups;

/// <summary>
/// Asks for a group on another server to be filled with its recent threads (issue 11.9): a durable job on the one job
/// queue, run by Federation (which reads the group's outbox and featured collection). Queued when the group first
/// accepts someone here, and on demand from the group's page by a member, at most once per <see cref="Cooldown"/>.
/// </summary>
public sealed class RemoteGroupBackfillRequests(Database db, JobQueue jobs, TimeProvider time)
{
    /// <summary>The job kind; its payload is the group's id here.</summary>
    public const string Kind = "remote-groups.backfill";

    /// <summary>A member may ask again after this long; a backfill reads a few pages from the group's server.</summary>
    public static readonly TimeSpan Cooldown = TimeSpan.FromMinutes(10);

    /// <summary>Queues a backfill of <paramref name="groupId"/> in the caller's transaction (a no-op while one is queued or running).</summary>
    public Task<bool> QueueAsync(DbConnection c, DbTransaction tx, Guid groupId) =>
        jobs.EnqueueAsync(c, tx, Kind, groupId.ToString(), dedupeKey: groupId.ToString(), maxAttempts: 5);

    /// <summary>After a join is accepted: queued unless the group was backfilled within the last <see cref="OnJoinEvery"/>
    /// (the next member to join finds the threads already here).</summary>
    public async Task<bool> QueueOnJoinAsync(DbConnection c, DbTransaction tx, Guid groupId) =>
        !await JobQueue.QueuedSinceAsync(c, tx, Kind, groupId.ToString(), time.GetUtcNow() - OnJoinEvery) && await QueueAsync(c, tx, groupId);

    /// <summary>How often joining starts a backfill of the same group at most.</summary>
    public static readonly TimeSpan OnJoinEvery = TimeSpan.FromHours(24);

    public enum Answer
    {
        Queued,
        AskedRecently,
    }

    /// <summary>A member's request from the group's page: queued, unless one was queued within <see cref="Cooldown"/>.</summary>
    public async Task<Answer> RequestAsync(Guid groupId, CancellationToken ct)
    {
        if (await jobs.QueuedSinceAsync(Kind, groupId.ToString(), time.GetUtcNow() - Cooldown, ct))
        {
            return Answer.AskedRecently;
        }

        await db.InTransactionAsync((c, tx) => QueueAsync(c, tx, groupId), ct);
        return Answer.Queued;
    }
}
