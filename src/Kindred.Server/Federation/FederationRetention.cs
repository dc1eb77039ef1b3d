using Kindred.Server.Federation.Inbox;
using Kindred.Server.Federation.Resolution;
using Microsoft.Extensions.Options;

namespace Kindred.Server.Federation;

/// <summary>
/// Keeps what other servers sent us no longer than the admin chose (it is personal data): a recurring job on the one job
/// queue deletes processed inbox activities after <see cref="FederationOptions.KeepInboxActivitiesDays"/> and cached
/// remote actors nothing here uses after <see cref="FederationOptions.KeepUnusedRemoteActorsDays"/>. Each table's owner
/// does its own deleting; this only schedules and logs.
/// </summary>
public sealed class FederationRetention(InboxStore inbox, ActorResolver actors, IOptions<FederationOptions> options, TimeProvider time,
    ILogger<FederationRetention> logger)
{
    public const string Job = "federation.retention";

    /// <summary>Every six hours: often enough that nothing outstays its limit by more than a quarter of a day.</summary>
    public static readonly TimeSpan Every = TimeSpan.FromHours(6);

    public async Task<(int Activities, int Actors)> RunAsync(CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var o = options.Value;
        var activities = await inbox.PruneAsync(now - TimeSpan.FromDays(o.KeepInboxActivitiesDays), ct);
        var unused = await actors.PruneUnusedAsync(now - TimeSpan.FromDays(o.KeepUnusedRemoteActorsDays), ct);
        if (activities + unused > 0)
        {
            logger.LogInformation("Retention: deleted {Activities} processed inbox activities older than {ActivityDays} days and {Actors} unused remote actors " +
                                  "not fetched for {ActorDays} days", activities, o.KeepInboxActivitiesDays, unused, o.KeepUnusedRemoteActorsDays);
        }

        return (activities, unused);
    }
}
