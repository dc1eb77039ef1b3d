using System.Net.Http.Headers;
using Kindred.Server.Web;

namespace Kindred.Server.Federation.Delivery;

/// <summary>What one attempt ended with, as far as retrying and the instance's health are concerned.</summary>
public enum AttemptKind
{
    /// <summary>2xx: delivered.</summary>
    Delivered,

    /// <summary>A 3xx or 4xx other than 408/429: the instance answered and will not accept this; do not retry.</summary>
    Rejected,

    /// <summary>429: retry after the instance's Retry-After.</summary>
    Throttled,

    /// <summary>5xx, 408, timeout or connection error: the instance is unwell; retry with backoff.</summary>
    Unavailable,

    /// <summary>The request was refused before sending (private address): never retried.</summary>
    Refused,

    /// <summary>Our own problem (e.g. no signing key): retry with backoff, the instance is not to blame.</summary>
    LocalError,
}

/// <summary>Pure retry and breaker arithmetic, kept apart from I/O so it can be tested on its own.</summary>
public static class RetryPolicy
{
    public static AttemptKind Classify(int status) => status switch
    {
        >= 200 and < 300 => AttemptKind.Delivered,
        408 => AttemptKind.Unavailable,
        429 => AttemptKind.Throttled,
        >= 500 => AttemptKind.Unavailable,
        // 3xx: a signed POST is not followed to another URL (the signature covers the request target).
        _ => AttemptKind.Rejected,
    };

    /// <summary>The shared retry schedule (<see cref="Data.Jobs.Backoff"/>) with delivery's first and longest delays.</summary>
    public static TimeSpan Backoff(int attemptsMade, DeliveryOptions o, double random) =>
        Data.Jobs.Backoff.After(attemptsMade, o.FirstRetryDelay, o.MaxRetryDelay, random);

    /// <summary>RFC 9110 §10.2.3 Retry-After: delay-seconds or an HTTP-date; capped at <paramref name="max"/>, null when absent.</summary>
    public static TimeSpan? RetryAfter(RetryConditionHeaderValue? header, DateTimeOffset now, TimeSpan max)
    {
        TimeSpan? wait = header switch
        {
            { Delta: { } delta } => delta,
            { Date: { } date } => date - now,
            _ => null,
        };
        return wait is null ? null : TimeSpan.FromTicks(Math.Clamp(wait.Value.Ticks, 0, max.Ticks));
    }

    /// <summary>Cool-down before probing a paused instance: BreakerCooldown, doubled for every failure beyond the threshold.</summary>
    public static TimeSpan BreakerCooldown(int consecutiveFailures, DeliveryOptions o)
    {
        var beyond = Math.Clamp(consecutiveFailures - o.BreakerFailureThreshold, 0, 30);
        var ms = Math.Min(o.BreakerCooldown.TotalMilliseconds * Math.Pow(2, beyond), o.BreakerMaxCooldown.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(ms);
    }
}
