using Dapper;
using Kindred.Server.Configuration;
using Kindred.Server.Data;
using Kindred.Server.Data.Jobs;
using Kindred.Server.Features.Accounts;
using Kindred.Server.Features.Changes;
using Kindred.Server.Features.Groups;
using Kindred.Server.Features.Notifications;
using Kindred.Server.Features.Reactions;
using Kindred.Server.Features.Threads;
using Kindred.Server.Web;
using Microsoft.Extensions.Options;

namespace Kindred.Server.Features.DataRights;

/// <summary>One erasure request.</summary>
public sealed record AccountErasure
{
    public Guid Id { get; init; }
    public Guid UserId { get; init; }
    public string ActorId { get; init; } = "";
    public string DeleteActivityId { get; init; } = "";
    public string State { get; init; } = "";
    public string RequestedBy { get; init; } = "";
    public DateTimeOffset RequestedAt { get; init; }
    public DateTimeOffset EffectiveAt { get; init; }
    public DateTimeOffset? StartedAt { get; init; }
    public DateTimeOffset? FinishedAt { get; init; }
    public DateTimeOffset? CancelledAt { get; init; }
}

/// <summary>Where the Delete of an erased account went, per server, and how it went (read from the delivery queue).</summary>
public sealed record ErasureDelivery
{
    public string Server { get; init; } = "";
    public string State { get; init; } = "";
    public int Attempts { get; init; }
    public DateTimeOffset? FinishedAt { get; init; }
    public string? LastError { get; init; }
}

/// <summary>
/// The owner of <c>account_erasures</c>: "delete my account". A request waits out <c>Kindred:Accounts:ErasureGracePeriod</c>
/// (every session ends at once; signing in on the web or <c>POST /api/v1/accounts/me/restore</c> cancels it), then a
/// durable job erases, step by step and each step idempotent, so a restart in the middle simply runs it again:
/// the Delete of the Person to every server that received the member's activities (recorded first, while the
/// memberships that say where still exist), posts and replies (tombstones, each a Delete), reactions (Undo(Like)),
/// memberships (Undo(Follow) for groups elsewhere), notifications, and last the account itself.
/// </summary>
public sealed class AccountErasures(Database db, JobQueue jobs, ChangeLog changes, PostStore posts, MemberStore members, ActorUrls urls,
    IOptions<KindredOptions> options, TimeProvider time, ILogger<AccountErasures> logger)
{
    public const string EraseJob = "accounts.erase";

    public static class States
    {
        public const string Pending = "pending";
        public const string Erasing = "erasing";
        public const string Done = "done";
        public const string Cancelled = "cancelled";
    }

    private const string Columns = """
        id, user_id, actor_id, delete_activity_id, state, requested_by, requested_at, effective_at, started_at, finished_at, cancelled_at
        """;

    private static readonly string Open = $"SELECT {Columns} FROM account_erasures WHERE user_id = @userId AND state IN ('pending', 'erasing') ORDER BY requested_at DESC LIMIT 1";

    /// <summary>The member's erasure that is waiting or running, or null.</summary>
    public async Task<AccountErasure?> OpenAsync(Guid userId, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        return await c.QuerySingleOrDefaultAsync<AccountErasure>(new CommandDefinition(Open, new { userId }, cancellationToken: ct));
    }

    private const string Insert = """
        INSERT INTO account_erasures (id, user_id, actor_id, delete_activity_id, state, requested_by, requested_at, effective_at)
        VALUES (@Id, @UserId, @ActorId, @DeleteActivityId, 'pending', @RequestedBy, @RequestedAt, @EffectiveAt)
        """;

    private const string Username = "SELECT username FROM users WHERE id = @id";

    /// <summary>
    /// Starts the erasure of <paramref name="userId"/> (the caller has checked the password or is an admin), or answers with
    /// the one already waiting or running. Every session and token of the account ends.
    /// </summary>
    public async Task<AccountErasure> RequestAsync(Guid userId, bool byAdmin = false, TimeSpan? grace = null, CancellationToken ct = default)
    {
        var now = time.GetUtcNow();
        var id = await db.InTransactionAsync(async (c, tx) =>
        {
            if (await c.QuerySingleOrDefaultAsync<AccountErasure>(Open, new { userId }, tx) is { } open)
            {
                return open.Id;
            }

            var actor = urls.User(await c.QuerySingleAsync<string>(Username, new { id = userId }, tx));
            var erasure = new AccountErasure
            {
                Id = Ids.New(time),
                UserId = userId,
                ActorId = actor.AbsoluteUri,
                DeleteActivityId = ActorUrls.Sub(actor, "delete").AbsoluteUri,
                RequestedBy = byAdmin ? "admin" : "member",
                RequestedAt = now,
                EffectiveAt = now + (grace ?? options.Value.Accounts.ErasureGracePeriod),
            };
            await c.ExecuteAsync(Insert, erasure, tx);
            await ErasedAccounts.EndSessionsAsync(c, tx, userId);
            await jobs.EnqueueAsync(c, tx, EraseJob, erasure.Id.ToString(), dedupeKey: erasure.Id.ToString(), runAt: erasure.EffectiveAt, maxAttempts: 50);
            return erasure.Id;
        }, ct);
        return (await FindAsync(id, ct))!;
    }

    private const string Cancel = "UPDATE account_erasures SET state = 'cancelled', cancelled_at = @now WHERE user_id = @userId AND state = 'pending'";

    /// <summary>Cancels the member's waiting erasure (signing in, or restore); false when none was waiting (once it runs it cannot be undone).</summary>
    public async Task<bool> CancelAsync(Guid userId, CancellationToken ct = default) =>
        await db.InTransactionAsync(async (c, tx) => await c.ExecuteAsync(Cancel, new { userId, now = time.GetUtcNow() }, tx) > 0, ct);

    private static readonly string ById = $"SELECT {Columns} FROM account_erasures WHERE id = @id";

    public async Task<AccountErasure?> FindAsync(Guid id, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        return await c.QuerySingleOrDefaultAsync<AccountErasure>(new CommandDefinition(ById, new { id }, cancellationToken: ct));
    }

    private static readonly string Recent = $"SELECT {Columns} FROM account_erasures WHERE state <> 'cancelled' ORDER BY requested_at DESC LIMIT @limit";

    /// <summary>The latest erasures, for admins.</summary>
    public async Task<IReadOnlyList<AccountErasure>> RecentAsync(int limit = 50, CancellationToken ct = default)
    {
        await using var c = await db.OpenAsync(ct);
        return (await c.QueryAsync<AccountErasure>(new CommandDefinition(Recent, new { limit }, cancellationToken: ct))).AsList();
    }

    private const string Deliveries = """
        SELECT target_host AS server, state, attempts, finished_at, last_error FROM delivery_jobs WHERE activity_id = @activityId ORDER BY target_host
        """;

    /// <summary>Where the Delete of the Person went and whether each server accepted it (the delivery queue's record).</summary>
    public async Task<IReadOnlyList<ErasureDelivery>> DeliveriesAsync(AccountErasure erasure, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(erasure);
        await using var c = await db.OpenAsync(ct);
        return (await c.QueryAsync<ErasureDelivery>(new CommandDefinition(Deliveries, new { activityId = erasure.DeleteActivityId }, cancellationToken: ct))).AsList();
    }

    private const string Start = "UPDATE account_erasures SET state = 'erasing', started_at = COALESCE(started_at, @now) WHERE id = @id AND state IN ('pending', 'erasing')";
    private const string Finish = "UPDATE account_erasures SET state = 'done', finished_at = @now WHERE id = @id AND state = 'erasing'";

    private const string OwnPosts = """
        SELECT id, id AS thread_id, 1 AS is_thread_flag FROM threads WHERE author_id = @userId AND deleted_at IS NULL
        UNION ALL
        SELECT id, thread_id, 0 AS is_thread_flag FROM replies WHERE author_id = @userId AND deleted_at IS NULL
        LIMIT 200
        """;

    private const string OwnReactions = "SELECT post_id FROM post_likes WHERE user_id = @userId AND post_id IS NOT NULL LIMIT 200";

    /// <summary>The erase job. Every step is idempotent, so a job run again after a crash finishes what the first began.</summary>
    public async Task RunAsync(Job job, CancellationToken ct)
    {
        if (!Guid.TryParse(job.Payload, out var id))
        {
            throw new PermanentJobFailureException("The erase job's payload is not an erasure id.");
        }

        var erasure = await FindAsync(id, ct);
        if (erasure is null || erasure.State is States.Done or States.Cancelled)
        {
            return;
        }

        if (erasure.EffectiveAt > time.GetUtcNow())
        {
            // Queued early (cannot happen through RequestAsync): try again when it is due.
            throw new InvalidOperationException($"The erasure is due at {erasure.EffectiveAt:O}.");
        }

        var userId = erasure.UserId;
        var actor = new Uri(erasure.ActorId);
        logger.LogInformation("Erasing account {UserId} (erasure {Id})", userId, id);

        // 1. The Delete of the Person, while the memberships that say which servers have the member's words still exist.
        //    Delivery deduplicates by (activity, inbox), so running this again sends nothing twice.
        await db.InTransactionAsync(async (c, tx) =>
        {
            await c.ExecuteAsync(Start, new { id, now = time.GetUtcNow() }, tx);
            await changes.RecordAsync(c, tx, new AccountErased(userId, actor, new Uri(erasure.DeleteActivityId)), ct);
        }, ct);

        // 2. Posts and replies: tombstones ("deleted"), each a Delete to the servers that have it. In batches.
        while (true)
        {
            var erased = await db.InTransactionAsync(async (c, tx) =>
            {
                var batch = (await c.QueryAsync<OwnPost>(OwnPosts, new { userId }, tx)).AsList();
                foreach (var p in batch)
                {
                    if (await posts.EraseAsync(c, tx, p.Id, p.ThreadId, p.IsThread))
                    {
                        await changes.RecordAsync(c, tx, new PostChanged(p.Id, PostChange.Deleted), ct);
                    }
                }

                return batch.Count;
            }, ct);
            if (erased == 0)
            {
                break;
            }
        }

        // 3. Reactions withdrawn (Undo(Like) where they federated), their notifications with them.
        while (true)
        {
            var withdrawn = await db.InTransactionAsync(async (c, tx) =>
            {
                var batch = (await c.QueryAsync<Guid>(OwnReactions, new { userId }, tx)).AsList();
                foreach (var postId in batch)
                {
                    var removed = await ReactionStore.RemoveMemberAsync(c, tx, userId, postId);
                    await Notifications.Notifications.RemoveBySourceAsync(c, tx, removed);
                    foreach (var likeId in removed)
                    {
                        await changes.RecordAsync(c, tx, new ReactionChanged(postId, actor, new Uri(likeId), Withdrawn: true), ct);
                    }
                }

                return batch.Count;
            }, ct);
            if (withdrawn == 0)
            {
                break;
            }
        }

        // 4. Memberships: groups elsewhere are left (Undo(Follow)); here they end, with requests and invitations.
        // 5. Notifications, and the account itself (its name stays reserved). Then the erasure is done.
        await db.InTransactionAsync(async (c, tx) =>
        {
            foreach (var groupId in await ErasedMembers.RemoteGroupsAsync(c, tx, userId))
            {
                await members.LeaveRemoteAsync(c, tx, groupId, userId, actor, ct);
            }

            await ErasedMembers.EndAllAsync(c, tx, userId);
            await ErasedNotifications.DeleteAllAsync(c, tx, userId);
            await c.ExecuteAsync(ForgetExports, new { userId }, tx);
            await ErasedAccounts.ScrubAsync(c, tx, userId, time.GetUtcNow());
            await c.ExecuteAsync(Finish, new { id, now = time.GetUtcNow() }, tx);
        }, ct);
        logger.LogInformation("Erased account {UserId} (erasure {Id})", userId, id);
    }

    private const string ForgetExports = "DELETE FROM account_exports WHERE user_id = @userId";

    private sealed record OwnPost
    {
        public Guid Id { get; init; }
        public Guid ThreadId { get; init; }
        public long IsThreadFlag { get; init; }
        public bool IsThread => IsThreadFlag == 1;
    }
}
