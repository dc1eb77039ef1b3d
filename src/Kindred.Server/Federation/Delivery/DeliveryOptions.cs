using Microsoft.Extensions.Options;
using Kindred.Server.Web;

namespace Kindred.Server.Federation.Delivery;

/// <summary><c>Kindred:Federation:Delivery:*</c>. Durations are written as <c>hh:mm:ss</c> (or <c>d.hh:mm:ss</c>).</summary>
public sealed class DeliveryOptions
{
    public const string Section = "Kindred:Federation:Delivery";

    /// <summary>Run the delivery worker on this node. Nodes that only serve the web may turn it off.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Requests in flight at once from this node, over all instances.</summary>
    public int MaxConcurrency { get; set; } = 64;

    /// <summary>Requests in flight at once to one instance, so a slow instance cannot take every slot.</summary>
    public int MaxConcurrencyPerHost { get; set; } = 4;

    /// <summary>How often the worker looks for due jobs when nothing wakes it earlier.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Whole request, connect included.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a claimed job belongs to a worker; after that another worker may take it (the first crashed).</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Delay before the first retry; each later retry doubles it (with jitter) up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan FirstRetryDelay { get; set; } = TimeSpan.FromSeconds(20);

    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromHours(6);

    /// <summary>A job not delivered this long after it was queued is given up.</summary>
    public TimeSpan GiveUpAfter { get; set; } = TimeSpan.FromDays(7);

    /// <summary>Longest Retry-After (HTTP 429) honoured; longer values are capped.</summary>
    public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromHours(6);

    /// <summary>Failures in a row (timeouts, connection errors, 5xx) after which an instance is paused.</summary>
    public int BreakerFailureThreshold { get; set; } = 10;

    /// <summary>Pause before the first probe of a paused instance; doubles after each failed probe.</summary>
    public TimeSpan BreakerCooldown { get; set; } = TimeSpan.FromMinutes(2);

    public TimeSpan BreakerMaxCooldown { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How often expired jobs are given up and old ones deleted.</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Delivered jobs are kept this long (for the health page), failed and given-up ones <see cref="KeepFailed"/>.</summary>
    public TimeSpan KeepDelivered { get; set; } = TimeSpan.FromDays(1);

    public TimeSpan KeepFailed { get; set; } = TimeSpan.FromDays(14);

    /// <summary>On shutdown, how long requests in flight may finish before they are cancelled and their jobs released.</summary>
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(10);
}

/// <summary>Explains bad delivery settings in the operator's words, at start-up.</summary>
public sealed class DeliveryOptionsValidator : IValidateOptions<DeliveryOptions>
{
    public ValidateOptionsResult Validate(string? name, DeliveryOptions o)
    {
        var errors = new List<string>();
        if (o.MaxConcurrency is < 1 or > 4096)
        {
            errors.Add($"{DeliveryOptions.Section}:MaxConcurrency must be between 1 and 4096; it is {o.MaxConcurrency}.");
        }

        if (o.MaxConcurrencyPerHost < 1 || o.MaxConcurrencyPerHost > o.MaxConcurrency)
        {
            errors.Add($"{DeliveryOptions.Section}:MaxConcurrencyPerHost must be at least 1 and at most MaxConcurrency ({o.MaxConcurrency}); it is {o.MaxConcurrencyPerHost}.");
        }

        if (o.BreakerFailureThreshold < 1)
        {
            errors.Add($"{DeliveryOptions.Section}:BreakerFailureThreshold must be at least 1, e.g. 10.");
        }

        Positive(errors, nameof(o.PollInterval), o.PollInterval);
        Positive(errors, nameof(o.ConnectTimeout), o.ConnectTimeout);
        Positive(errors, nameof(o.RequestTimeout), o.RequestTimeout);
        Positive(errors, nameof(o.FirstRetryDelay), o.FirstRetryDelay);
        Positive(errors, nameof(o.BreakerCooldown), o.BreakerCooldown);
        Positive(errors, nameof(o.SweepInterval), o.SweepInterval);
        Positive(errors, nameof(o.GiveUpAfter), o.GiveUpAfter);
        if (o.MaxRetryDelay < o.FirstRetryDelay)
        {
            errors.Add($"{DeliveryOptions.Section}:MaxRetryDelay ({o.MaxRetryDelay}) must not be shorter than FirstRetryDelay ({o.FirstRetryDelay}).");
        }

        if (o.BreakerMaxCooldown < o.BreakerCooldown)
        {
            errors.Add($"{DeliveryOptions.Section}:BreakerMaxCooldown ({o.BreakerMaxCooldown}) must not be shorter than BreakerCooldown ({o.BreakerCooldown}).");
        }

        if (o.LeaseDuration <= o.RequestTimeout)
        {
            // Otherwise another node could take a job over while the first is still sending it.
            errors.Add($"{DeliveryOptions.Section}:LeaseDuration ({o.LeaseDuration}) must be longer than RequestTimeout ({o.RequestTimeout}).");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void Positive(List<string> errors, string name, TimeSpan value)
    {
        if (value <= TimeSpan.Zero)
        {
            errors.Add($"{DeliveryOptions.Section}:{name} must be a positive duration such as 00:00:30; it is {value}.");
        }
    }
}
