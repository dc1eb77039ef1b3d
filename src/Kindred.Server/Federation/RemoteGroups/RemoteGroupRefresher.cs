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
/// for an Update(Group) from the group itself and by the recurring <see cref="RefreshJob"/> on the job queue for groups gone stale.
/// A 404/410 marks the group gone, so its page can say so; other failures back off (1 h, doubling, at most a week).
/// </summary>
public sealed class RemoteGroupRefresher(RemoteGroupStore store, ActorResolver resolver, IOptions<FederationOptions> options, TimeProvider time, ILogger<RemoteGroupRefresher> logger)
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

    /// <summary>One to two hours after the first failure, doubling with each further one, at most a week: never hammer a
    /// server (the shared schedule, <see cref="Data.Jobs.Backoff"/>).</summary>
    public static TimeSpan Backoff(int failures) =>
        Data.Jobs.Backoff.After(failures, TimeSpan.FromHours(2), GoneRecheck, Random.Shared.NextDouble());

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
            await store.GoneAsync(group.Id, Cut(ex.Message), GoneRecheck, ct);
            logger.LogWarning("Remote group {Group} is gone: {Message}; members see it on its page, asking again in {Days} days", group.ApId, ex.Message, GoneRecheck.TotalDays);
            return Result.Gone;
        }
        catch (ResolutionException ex)
        {
            var (failures, next) = await store.RefreshFailedAsync(group.Id, Cut($"{ex.Failure}: {ex.Message}"), Backoff, ct);
            logger.LogInformation("Refreshing remote group {Group} failed ({Failures} in a row): {Failure} {Message}; next try after {Next:u}",
                group.ApId, failures, ex.Failure, ex.Message, next);
            return Result.Failed;
        }

        var changed = await store.RefreshedAsync(group.Id, RemoteGroupProfiles.From(actor, group.Name), ct);
        logger.LogInformation("Refreshed remote group {Group} from its origin{Note}", group.ApId, !changed ? " (its row was removed meanwhile)" : "");
        return Result.Refreshed;
    }

    /// <summary>Claims up to <paramref name="max"/> stale groups and refreshes them one after another; returns how many were claimed.</summary>
    public async Task<int> RefreshDueAsync(int max, CancellationToken ct)
    {
        var minutes = options.Value.RemoteGroupRefreshMinutes;
        if (minutes <= 0)
        {
            return 0;
        }

        var due = await store.ClaimStaleAsync(time.GetUtcNow() - TimeSpan.FromMinutes(minutes), Lease, max, ct);
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

    /// <summary>The recurring job that refreshes stale groups, one batch after another; several nodes never run it at once.</summary>
    public const string RefreshJob = "remote-groups.refresh-due";

    /// <summary>How often the refresh job runs (the first run is one period after start, so a restart sends no burst).</summary>
    public static readonly TimeSpan RefreshEvery = TimeSpan.FromMinutes(5);

    private const int Batch = 20;

    /// <summary>The job queue's handler: refreshes due groups until a batch comes back short.</summary>
    public async Task RunRefreshJobAsync(CancellationToken ct)
    {
        while (await RefreshDueAsync(Batch, ct) == Batch)
        {
        }
    }
}
