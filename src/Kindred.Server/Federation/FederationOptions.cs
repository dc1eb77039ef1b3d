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

    /// <summary>Largest remote document the resolver reads (bytes).</summary>
    public int MaxFetchBytes { get; set; } = 1024 * 1024;

    /// <summary>Timeout for one remote fetch, in seconds (connect + headers + body).</summary>
    public int FetchTimeoutSeconds { get; set; } = 10;

    /// <summary>How long a fetched remote actor and its keys are trusted before being fetched again, in minutes.</summary>
    public int ActorCacheMinutes { get; set; } = 24 * 60;

    /// <summary>How often an inbox activity is tried before it is marked failed.</summary>
    public int InboxMaxAttempts { get; set; } = 5;

    /// <summary>How old a signature may be (signed Date or <c>created</c>), in seconds. Mastodon allows an hour.</summary>
    public int SignatureMaxAgeSeconds { get; set; } = 3600;
}
