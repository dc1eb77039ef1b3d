using Microsoft.Extensions.Options;
using Kindred.Server.Web;

namespace Kindred.Server.Federation;

/// <summary>The <c>Kindred:Federation</c> configuration section (see docs/admin-guide-federation.md).</summary>
public sealed class FederationOptions
{
    public const string Section = "Kindred:Federation";

    /// <summary>
    /// Let the resolver connect to private, loopback, link-local and other special addresses. Off by default:
    /// otherwise any remote actor could make us fetch from the instance's own network (SSRF). Tests and local
    /// trials only; a warning is logged at start when on.
    /// </summary>
    public bool AllowPrivateAddresses { get; set; }

    /// <summary>
    /// Require a valid HTTP signature on GETs of actor documents ("authorized fetch"). Members-only objects
    /// always require one, whatever this says.
    /// </summary>
    public bool AuthorizedFetch { get; set; } = true;

    /// <summary>Largest inbox POST body accepted (bytes); larger requests get 413.</summary>
    public int MaxInboxBodyBytes { get; set; } = 256 * 1024;

    /// <summary>
    /// Verified inbox activities accepted per minute from one remote actor (a burst of this many at once, then refilled
    /// over the minute); beyond it the sender gets 429 with Retry-After. 0 turns the limit off.
    /// </summary>
    public int InboxPerActorPerMinute { get; set; } = 120;

    /// <summary>The same for all actors of one remote server (host and port) together. 0 turns the limit off.</summary>
    public int InboxPerServerPerMinute { get; set; } = 1200;

    /// <summary>
    /// Bytes of activity bodies stored from one remote server per UTC day (64 MiB by default); beyond it the server
    /// gets 429 until midnight UTC. 0 turns the budget off.
    /// </summary>
    public long InboxMaxBytesPerServerPerDay { get; set; } = 64L * 1024 * 1024;

    /// <summary>Largest remote document the resolver reads (bytes).</summary>
    public int MaxFetchBytes { get; set; } = 1024 * 1024;

    /// <summary>Timeout for one remote fetch, in seconds (connect + headers + body).</summary>
    public int FetchTimeoutSeconds { get; set; } = 10;

    /// <summary>How long a fetched remote actor and its keys are trusted before being fetched again, in minutes.</summary>
    public int ActorCacheMinutes { get; set; } = 24 * 60;

    /// <summary>
    /// Most remote actors, and most remote keys, kept in memory (least recently used go first); older ones are read
    /// from the database again. Each entry is a few hundred bytes (actors) to about two kilobytes (RSA keys).
    /// </summary>
    public int ResolverCacheEntries { get; set; } = 1000;

    /// <summary>How often an inbox activity is tried before it is marked failed.</summary>
    public int InboxMaxAttempts { get; set; } = 5;

    /// <summary>How old a signature may be (signed Date or <c>created</c>), in seconds. Mastodon allows an hour.</summary>
    public int SignatureMaxAgeSeconds { get; set; } = 3600;

    /// <summary>
    /// How old a remote group's copy (name, description, inboxes, key) may get before the scheduled refresh fetches the
    /// group again, in minutes; only groups members here joined or asked to join are refreshed. 0 turns the scheduled
    /// refresh off (an Update from the group itself still refreshes it). Default one day.
    /// </summary>
    public int RemoteGroupRefreshMinutes { get; set; } = 24 * 60;

    /// <summary>
    /// How long processed inbox activities (the raw bodies other servers sent: personal data) are kept, in days, for
    /// admins to look into and to recognise repeats; then the retention job deletes them. Activities still waiting to be
    /// processed are never deleted. Default 14.
    /// </summary>
    public int KeepInboxActivitiesDays { get; set; } = 14;

    /// <summary>
    /// How long a cached remote actor (and its keys) that nothing here refers to any more (no membership, follow or
    /// follower) is kept after it was last fetched, in days. Default 30. Actors still in use are kept (and refreshed).
    /// </summary>
    public int KeepUnusedRemoteActorsDays { get; set; } = 30;
}

/// <summary>Explains bad federation settings in the operator's words, at start-up.</summary>
public sealed class FederationOptionsValidator : IValidateOptions<FederationOptions>
{
    /// <summary>Thirty days: longer and members would read a description or post to an inbox that changed long ago.</summary>
    public const int MaxRemoteGroupRefreshMinutes = 30 * 24 * 60;

    /// <summary>Five minutes: more often would only load the groups' servers.</summary>
    public const int MinRemoteGroupRefreshMinutes = 5;

    public ValidateOptionsResult Validate(string? name, FederationOptions o)
    {
        var errors = new List<string>();
        if (o.RemoteGroupRefreshMinutes != 0 && o.RemoteGroupRefreshMinutes is < MinRemoteGroupRefreshMinutes or > MaxRemoteGroupRefreshMinutes)
        {
            errors.Add($"{FederationOptions.Section}:RemoteGroupRefreshMinutes must be 0 (no scheduled refresh) or between {MinRemoteGroupRefreshMinutes} " +
                       $"and {MaxRemoteGroupRefreshMinutes} (30 days); it is {o.RemoteGroupRefreshMinutes}. " +
                       "The default is 1440 (once a day), e.g. Kindred__Federation__RemoteGroupRefreshMinutes=1440");
        }

        if (o.InboxPerActorPerMinute < 0 || o.InboxPerServerPerMinute < 0 || o.InboxMaxBytesPerServerPerDay < 0)
        {
            errors.Add($"{FederationOptions.Section}:InboxPerActorPerMinute, InboxPerServerPerMinute and InboxMaxBytesPerServerPerDay " +
                       "must be 0 (no limit) or more.");
        }

        if (o.KeepInboxActivitiesDays is < 1 or > 3650)
        {
            errors.Add($"{FederationOptions.Section}:KeepInboxActivitiesDays must be between 1 and 3650; it is {o.KeepInboxActivitiesDays}. " +
                       "The default is 14, e.g. Kindred__Federation__KeepInboxActivitiesDays=14");
        }

        if (o.KeepUnusedRemoteActorsDays is < 1 or > 3650)
        {
            errors.Add($"{FederationOptions.Section}:KeepUnusedRemoteActorsDays must be between 1 and 3650; it is {o.KeepUnusedRemoteActorsDays}. " +
                       "The default is 30, e.g. Kindred__Federation__KeepUnusedRemoteActorsDays=30");
        }

        if (o.ResolverCacheEntries is < 10 or > 1_000_000)
        {
            errors.Add($"{FederationOptions.Section}:ResolverCacheEntries must be between 10 and 1000000; it is {o.ResolverCacheEntries}. " +
                       "The default is 1000, e.g. Kindred__Federation__ResolverCacheEntries=1000");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
