using Dapper;
using Kindred.ActivityPub.Vocabulary;
using Kindred.Server.Data;
using Kindred.Server.Features.Groups;
using Kindred.Server.Federation.Resolution;
using Microsoft.Extensions.Options;
using Kindred.Server.Web;

namespace Kindred.Server.Federation.RemoteGroups;

/// <summary>
/// Keeps a stored remote group in step with its home server: fetches the Group actor again from its own origin (never a
/// copy someone sent us) through <see cref="ActorResolver"/> (SSRF guard, cached keys replaced) and updates the row. Used
/// for an Update(Group) from the group itself and by <see cref="RemoteGroupRefreshWorker"/> for groups gone stale.
/// A 404/410 marks the group gone, so its page can say so; other failures back off (1 h, doubling, at most a week).
/// </summary>
public sealed class RemoteGroupRefresher(Database db, ActorResolver resolver, IOptions<FederationOptions> options, TimeProvider time, ILogger<RemoteGroupRefresher> logger)
{
    /// <summary>How long a claimed group is left to one node before another may try it (fetches time out well before).</summary>
    public static readonly TimeSpan Lease = TimeSpan.FromMinutes(10);

    /// <summary>A group that answered 404/410 is asked again after this long, in case it comes back.</summary>
    public static readonly TimeSpan GoneRecheck = TimeSpan.FromDays(7);

    public enum Result
    {
        Refreshed,
        Gone,
        Failed,
    }

    /// <summary>One hour after the first failure, doubling with each further one, at most a week: never hammer a server.</summary>
    public static TimeSpan Backoff(int failures) =>
        TimeSpan.FromHours(Math.Pow(2, Math.Clamp(failures - 1, 0, 16))) is var d && d < GoneRecheck ? d : GoneRecheck;

    /// <summary>Fetches <paramref name="group"/> from its origin and stores what it says now (or that it is gone, or the failure).</summary>
    public async Task<Result> RefreshAsync(RemoteGroup group, CancellationToken ct)
    {
        AsActor actor;
        try
        {
            actor = await resolver.RefreshActorAsync(group.ActorId, ct);
            if (!actor.IsGroup || actor.Inbox is null)
            {
                throw new ResolutionException(ResolutionFailure.Invalid, actor.IsGroup ? "The group has no inbox any more." : $"It is no longer a group (it is a {actor.Type}).");
            }
        }
        catch (ResolutionException ex) when (ex.Failure == ResolutionFailure.Gone)
        {
            await db.InTransactionAsync(async (c, tx) => await c.ExecuteAsync(MarkGone, new { id = group.Id, now = time.GetUtcNow(), next = time.GetUtcNow() + GoneRecheck, error = Cut(ex.Message) }, tx), ct);
            logger.LogWarning("Remote group {Group} is gone: {Message}; members see it on its page, asking again in {Days} days", group.ApId, ex.Message, GoneRecheck.TotalDays);
            return Result.Gone;
        }
        catch (ResolutionException ex)
        {
            var failedAt = time.GetUtcNow();
            var (failures, next) = await db.InTransactionAsync(async (c, tx) =>
            {
                var n = await c.ExecuteScalarAsync<int>(Fail, new { id = group.Id, error = Cut($"{ex.Failure}: {ex.Message}") }, tx);
                var after = failedAt + Backoff(n);
                await c.ExecuteAsync(Retry, new { id = group.Id, next = after }, tx);
                return (n, after);
            }, ct);
            logger.LogInformation("Refreshing remote group {Group} failed ({Failures} in a row): {Failure} {Message}; next try after {Next:u}",
                group.ApId, failures, ex.Failure, ex.Message, next);
            return Result.Failed;
        }

        var now = time.GetUtcNow();
        var changed = await db.InTransactionAsync(async (c, tx) => await c.ExecuteAsync(Refresh, new
        {
            group.Id,
            Name = RemoteText.Plain(actor.Name ?? actor.PreferredUsername, GroupRules.MaxNameLength) is { Length: > 0 } n ? n : group.Name,
            Description = RemoteText.Plain(actor.Summary, GroupRules.MaxDescriptionLength),
            Visibility = actor.ManuallyApprovesFollowers ? Group.MembersOnly : Group.Public,
            JoinPolicy = actor.ManuallyApprovesFollowers ? Group.Approval : Group.Open,
            Inbox = actor.Inbox.AbsoluteUri,
            SharedInbox = actor.SharedInbox?.AbsoluteUri,
            FollowersUrl = actor.Followers?.AbsoluteUri,
            OutboxUrl = actor.Outbox?.AbsoluteUri,
            Now = now,
        }, tx), ct);
        logger.LogInformation("Refreshed remote group {Group} from its origin{Note}", group.ApId, changed == 0 ? " (its row was removed meanwhile)" : "");
        return Result.Refreshed;
    }

    // Same mapping as RemoteGroupStore.UpsertAsync: plain text from the remote HTML, approval groups treated as not public.
    private const string Refresh = """
        UPDATE groups SET name = @Name, description = @Description, visibility = @Visibility, join_policy = @JoinPolicy,
            inbox = @Inbox, shared_inbox = @SharedInbox, followers_url = @FollowersUrl, outbox_url = @OutboxUrl,
            refreshed_at = @Now, updated_at = @Now, gone_at = NULL, refresh_after = NULL, refresh_failures = 0, refresh_error = NULL
        WHERE id = @Id AND origin <> 'local'
        """;

    // The first time the group answered 404/410 is kept: that is when it went.
    private const string MarkGone = """
        UPDATE groups SET gone_at = COALESCE(gone_at, @now), refresh_after = @next, refresh_failures = refresh_failures + 1, refresh_error = @error
        WHERE id = @id AND origin <> 'local'
        """;

    private const string Fail = """
        UPDATE groups SET refresh_failures = refresh_failures + 1, refresh_error = @error
        WHERE id = @id AND origin <> 'local'
        RETURNING refresh_failures
        """;

    private const string Retry = "UPDATE groups SET refresh_after = @next WHERE id = @id AND origin <> 'local'";

    // Stale groups that someone here joined or asked to join, not leased or backing off. Both engines run the same
    // UPDATE ... RETURNING; PostgreSQL adds FOR UPDATE SKIP LOCKED so several nodes claim disjoint groups, and the lease
    // (refresh_after) keeps a claimed group from the others until this node has written its outcome.
    private const string DueWhere = """
        WHERE g.origin <> 'local' AND (g.refreshed_at IS NULL OR g.refreshed_at < @staleBefore)
            AND (g.refresh_after IS NULL OR g.refresh_after <= @now)
            AND EXISTS (SELECT 1 FROM remote_group_follows f WHERE f.group_id = g.id AND f.state IN ('pending', 'joined'))
        ORDER BY g.refreshed_at LIMIT @max
        """;

    private const string Returning = "RETURNING id, slug, name, ap_id, origin, inbox, shared_inbox, followers_url, visibility";

    private static readonly string ClaimSqlite = $"UPDATE groups SET refresh_after = @lease WHERE id IN (SELECT g.id FROM groups g {DueWhere}) {Returning}";
    private static readonly string ClaimPostgres = $"UPDATE groups SET refresh_after = @lease WHERE id IN (SELECT g.id FROM groups g {DueWhere} FOR UPDATE OF g SKIP LOCKED) {Returning}";

    /// <summary>Claims up to <paramref name="max"/> stale groups and refreshes them one after another; returns how many were claimed.</summary>
    public async Task<int> RefreshDueAsync(int max, CancellationToken ct)
    {
        var minutes = options.Value.RemoteGroupRefreshMinutes;
        if (minutes <= 0)
        {
            return 0;
        }

        var now = time.GetUtcNow();
        var sql = db.Dialect == Dialect.Postgres ? ClaimPostgres : ClaimSqlite;
        var due = await db.InTransactionAsync(async (c, tx) =>
            (await c.QueryAsync<RemoteGroup>(sql, new { now, staleBefore = now - TimeSpan.FromMinutes(minutes), lease = now + Lease, max }, tx)).AsList(), ct);
        if (due.Count > 0)
        {
            logger.LogInformation("Refreshing {Count} remote group(s) not fetched for {Minutes} minutes or more", due.Count, minutes);
        }

        // One at a time, outside any transaction: a node never has more than one fetch to the groups' servers in flight.
        foreach (var group in due)
        {
            ct.ThrowIfCancellationRequested();
            await RefreshAsync(group, ct);
        }

        return due.Count;
    }

    private static string Cut(string s) => s.Length <= 500 ? s : s[..500];
}
