using System.Collections.Concurrent;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace Kindred.Server.Federation.Inbox;

/// <summary>What the inbox turned away since the process started (delivery health page, tests).</summary>
public sealed record InboxLimitStats(long Ignored, long RateLimited, long OverBudget);

/// <summary>Why an activity is not stored: null (store it), or a 429 with when to try again.</summary>
public sealed record InboxRefusal(string Reason, TimeSpan RetryAfter);

/// <summary>
/// How much one remote server, and one actor, may make this instance store (docs/admin-guide-federation.md):
/// verified activities per minute per actor and per server (token buckets; beyond them 429 with Retry-After, which
/// well-behaved servers honour by trying later), and bytes of activity bodies stored per server per UTC day. Counts
/// are kept in memory on each node (a restart forgets them), keyed by the verified signer's actor and its host, so
/// a stranger cannot spend someone else's allowance. Each server's first refusal of each kind is logged once.
/// </summary>
public sealed class InboxLimits : IDisposable
{
    private const int MaxTracked = 10_000;
    private readonly FederationOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<InboxLimits> _logger;
    private readonly PartitionedRateLimiter<string>? _perActor;
    private readonly PartitionedRateLimiter<string>? _perServer;
    private readonly ConcurrentDictionary<string, (long Day, long Bytes)> _bytes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _logged = new(StringComparer.Ordinal);
    private long _ignored;
    private long _rateLimited;
    private long _overBudget;

    public InboxLimits(IOptions<FederationOptions> options, TimeProvider time, ILogger<InboxLimits> logger)
    {
        _options = options.Value;
        _time = time;
        _logger = logger;
        _perActor = Bucket(_options.InboxPerActorPerMinute);
        _perServer = Bucket(_options.InboxPerServerPerMinute);
    }

    public InboxLimitStats Stats => new(Interlocked.Read(ref _ignored), Interlocked.Read(ref _rateLimited), Interlocked.Read(ref _overBudget));

    /// <summary>The server part of an actor id: its host, with the port when it is not the scheme's default.</summary>
    public static string ServerOf(Uri actor) => actor.IsDefaultPort ? actor.IdnHost.ToLowerInvariant() : $"{actor.IdnHost.ToLowerInvariant()}:{actor.Port}";

    /// <summary>Takes one activity from the actor's and its server's allowance; a refusal when either is spent.</summary>
    public InboxRefusal? TryAcquire(Uri actor)
    {
        var server = ServerOf(actor);
        foreach (var (limiter, key, what) in new[] { (_perActor, actor.AbsoluteUri, "actor"), (_perServer, server, "server") })
        {
            if (limiter is null)
            {
                continue;
            }

            using var lease = limiter.AttemptAcquire(key);
            if (!lease.IsAcquired)
            {
                Interlocked.Increment(ref _rateLimited);
                var retry = lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : TimeSpan.FromMinutes(1);
                if (FirstTime("rate:" + server))
                {
                    _logger.LogWarning("Inbox: {Server} sends more than its allowance (per {What}); answering 429", server, what);
                }

                return new InboxRefusal($"Too many activities from this {what}; try again later.", retry);
            }
        }

        return null;
    }

    /// <summary>Counts <paramref name="bytes"/> against the server's daily budget; a refusal when it would exceed it.</summary>
    public InboxRefusal? TryStore(Uri actor, long bytes)
    {
        var budget = _options.InboxMaxBytesPerServerPerDay;
        if (budget <= 0)
        {
            return null;
        }

        var server = ServerOf(actor);
        var now = _time.GetUtcNow();
        var day = now.UtcDateTime.Date.Ticks;
        if (_bytes.Count > MaxTracked)
        {
            foreach (var stale in _bytes.Where(e => e.Value.Day != day).Select(e => e.Key).ToList())
            {
                _bytes.TryRemove(stale, out _);
            }
        }

        var refused = false;
        _bytes.AddOrUpdate(server, _ => (day, bytes), (_, current) =>
        {
            var used = current.Day == day ? current.Bytes : 0;
            refused = used + bytes > budget;
            return refused ? (day, used) : (day, used + bytes);
        });
        if (!refused)
        {
            return null;
        }

        Interlocked.Increment(ref _overBudget);
        if (FirstTime("bytes:" + server))
        {
            _logger.LogWarning("Inbox: {Server} reached its daily storage budget of {Budget} bytes; answering 429 until midnight UTC", server, budget);
        }

        return new InboxRefusal("This server has sent as much as this instance stores from one server in a day; try again tomorrow.",
            now.UtcDateTime.Date.AddDays(1) - now.UtcDateTime);
    }

    /// <summary>An activity that concerns no one here was answered 202 and not stored.</summary>
    public void Ignored(Uri actor)
    {
        Interlocked.Increment(ref _ignored);
        if (FirstTime("ignored:" + ServerOf(actor)))
        {
            _logger.LogInformation("Inbox: {Server} sent an activity that concerns no group, member or post here; such activities are not stored", ServerOf(actor));
        }
    }

    /// <summary>True the first time <paramref name="key"/> is seen (per process, while fewer than 10,000 are remembered).</summary>
    private bool FirstTime(string key)
    {
        if (_logged.Count > MaxTracked)
        {
            _logged.Clear();
        }

        return _logged.TryAdd(key, 0);
    }

    private static PartitionedRateLimiter<string>? Bucket(int perMinute) => perMinute <= 0
        ? null
        : PartitionedRateLimiter.Create<string, string>(key => RateLimitPartition.GetTokenBucketLimiter(key, _ => new TokenBucketRateLimiterOptions
        {
            // The full minute's allowance at once (a burst is normal: a post fans out), refilled in sixths.
            TokenLimit = perMinute,
            TokensPerPeriod = Math.Max(1, perMinute / 6),
            ReplenishmentPeriod = TimeSpan.FromSeconds(10),
            QueueLimit = 0,
            AutoReplenishment = true,
        }));

    public void Dispose()
    {
        _perActor?.Dispose();
        _perServer?.Dispose();
    }
}
