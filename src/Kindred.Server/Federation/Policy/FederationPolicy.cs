namespace Kindred.Server.Federation.Policy;

/// <summary>What the policy says about one remote server.</summary>
public sealed record DomainDecision(bool Refused, bool Silenced, bool RejectMedia, bool RejectReports, string? Reason, string? MatchedDomain)
{
    public static readonly DomainDecision Open = new(false, false, false, false, null, null);

    /// <summary>The reasons admins see in the refused-activity counts.</summary>
    public const string Suspended = "domain suspended";
    public const string NotAllowed = "not on the allowlist";
    public const string ReportsRejected = "reports rejected";
}

/// <summary>
/// The hot-path question "may we talk to this server, and how?", answered from a compiled matcher held in memory
/// (<see cref="DomainMatcher{T}"/>: one hash lookup per label, whatever the number of blocks). The node that changes the
/// policy drops its matcher at once; other nodes on the same PostgreSQL read the version stamp (one integer) at most
/// every <see cref="CheckEvery"/> and recompile when it moved. A block whose expiry passes stops counting at that moment:
/// the matcher is rebuilt when the earliest expiry is reached.
/// </summary>
public sealed class FederationPolicy(PolicyStore store, TimeProvider time, ILogger<FederationPolicy> log)
{
    /// <summary>How stale another node's change may be here.</summary>
    public static readonly TimeSpan CheckEvery = TimeSpan.FromSeconds(3);

    private sealed record Compiled(long Version, string Mode, DomainMatcher<DomainBlock> Blocks, DomainMatcher<DomainAllow> Allows, DateTimeOffset? NextExpiry);

    private volatile Compiled? _compiled;
    private long _checkedAtMs;
    private readonly SemaphoreSlim _loading = new(1, 1);

    /// <summary>Drops the compiled matcher (called after this node committed a change).</summary>
    public void Invalidate() => _compiled = null;

    public async ValueTask<string> ModeAsync(CancellationToken ct) => (await CurrentAsync(ct)).Mode;

    /// <summary>The decision for a host or authority (<c>host[:port]</c>); ports are ignored.</summary>
    public async ValueTask<DomainDecision> DecideAsync(string hostOrAuthority, CancellationToken ct)
    {
        var compiled = await CurrentAsync(ct);
        return Decide(compiled, DomainPattern.HostOf(hostOrAuthority));
    }

    public ValueTask<DomainDecision> DecideAsync(Uri url, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(url);
        return DecideAsync(url.IdnHost, ct);
    }

    private static DomainDecision Decide(Compiled p, string host)
    {
        var block = p.Blocks.Find(host);
        if (block is { Severity: Severities.Suspend })
        {
            return new(true, false, true, true, DomainDecision.Suspended, block.Domain);
        }

        if (p.Mode == FederationModes.Allowlist && p.Allows.Find(host) is null)
        {
            return new(true, false, true, true, DomainDecision.NotAllowed, null);
        }

        return block is null
            ? DomainDecision.Open
            : new(false, block.Severity == Severities.Silence, block.RejectMedia, block.RejectReports, null, block.Domain);
    }

    private async ValueTask<Compiled> CurrentAsync(CancellationToken ct)
    {
        var compiled = _compiled;
        if (compiled is not null && (compiled.NextExpiry is not { } expiry || time.GetUtcNow() < expiry))
        {
            var now = Environment.TickCount64;
            if (now - Interlocked.Read(ref _checkedAtMs) < CheckEvery.TotalMilliseconds)
            {
                return compiled;
            }

            Interlocked.Exchange(ref _checkedAtMs, now);
            if (await store.VersionAsync(ct) == compiled.Version)
            {
                return compiled;
            }
        }

        return await LoadAsync(ct);
    }

    private async Task<Compiled> LoadAsync(CancellationToken ct)
    {
        await _loading.WaitAsync(ct);
        try
        {
            var state = await store.StateAsync(ct);
            if (_compiled is { } fresh && fresh.Version == state.Version && (fresh.NextExpiry is not { } e || time.GetUtcNow() < e))
            {
                return fresh;
            }

            var now = time.GetUtcNow();
            var blocks = (await store.ListBlocksAsync(ct)).Where(b => b.ExpiresAt is null || b.ExpiresAt > now).ToList();
            var allows = await store.ListAllowsAsync(ct);
            var next = blocks.Where(b => b.ExpiresAt is not null).Select(b => b.ExpiresAt).Min();
            var compiled = new Compiled(state.Version, state.Mode,
                new DomainMatcher<DomainBlock>(blocks.Select(b => (b.Domain, b))),
                new DomainMatcher<DomainAllow>(allows.Select(a => (a.Domain, a))), next);
            _compiled = compiled;
            Interlocked.Exchange(ref _checkedAtMs, Environment.TickCount64);
            log.LogDebug("Federation policy v{Version} compiled: {Mode}, {Blocks} blocks, {Allows} allows", state.Version, state.Mode, blocks.Count, allows.Count);
            return compiled;
        }
        finally
        {
            _loading.Release();
        }
    }
}
