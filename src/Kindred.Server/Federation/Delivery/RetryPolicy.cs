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

    /// <summary>
    /// Exponential backoff with "equal jitter": after the n-th failed attempt wait between half and all of
    /// FirstRetryDelay * 2^(n-1), capped at MaxRetryDelay. Jitter spreads the retries of a large fan-out so an
    /// instance coming back is not hit by all of them at once.
    /// </summary>
    public static TimeSpan Backoff(int attemptsMade, DeliveryOptions o, double random)
    {
        var exponent = Math.Clamp(attemptsMade - 1, 0, 40);
        var ms = Math.Min(o.FirstRetryDelay.TotalMilliseconds * Math.Pow(2, exponent), o.MaxRetryDelay.TotalMilliseconds);
        return TimeSpan.FromMilliseconds((ms / 2) + (ms / 2 * Math.Clamp(random, 0, 1)));
    }

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
