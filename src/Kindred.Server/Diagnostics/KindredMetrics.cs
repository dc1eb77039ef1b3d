using System.Diagnostics.Metrics;

namespace Kindred.Server.Diagnostics;

/// <summary>
/// Kindred's own measurements, on the <c>Kindred</c> meter (System.Diagnostics.Metrics). Recording costs next to nothing
/// while nobody listens; with <c>Kindred:Metrics:Enabled</c> the OpenTelemetry Prometheus exporter serves them at
/// <c>/metrics</c> (Hosting/MetricsSetup). No member, group or post appears in any tag: only outcomes, reasons and kinds.
/// </summary>
public static class KindredMetrics
{
    public const string MeterName = "Kindred";

    private static readonly Meter Meter = new(MeterName);

    private static readonly Counter<long> InboxRequests = Meter.CreateCounter<long>(
        "kindred.inbox.requests", "{request}", "Inbox POSTs by outcome: accepted, or the reason they were refused.");

    private static readonly Counter<long> DeliveryAttempts = Meter.CreateCounter<long>(
        "kindred.delivery.attempts", "{attempt}", "Delivery attempts to other servers by outcome (delivered, retry, failed, gave_up, released).");

    private static readonly Histogram<double> DeliveryLag = Meter.CreateHistogram<double>(
        "kindred.delivery.lag", "s", "Time from an activity being queued to its delivery.");

    private static readonly Counter<long> JobFailures = Meter.CreateCounter<long>(
        "kindred.jobs.failures", "{failure}", "Background job runs that failed, by job kind and whether they will be retried.");

    private static readonly Counter<long> SignIns = Meter.CreateCounter<long>(
        "kindred.signin.attempts", "{attempt}", "Sign-in attempts by outcome (success, invalid_credentials, locked_out, throttled, ...).");

    /// <summary>An inbox request was answered with <paramref name="status"/>.</summary>
    public static void InboxAnswered(int status) => InboxRequests.Add(1, new KeyValuePair<string, object?>("outcome", status switch
    {
        202 => "accepted",
        400 => "malformed",
        401 => "bad_signature",
        403 => "forbidden",
        404 => "unknown_inbox",
        413 => "too_large",
        429 => "rate_limited",
        _ => "other",
    }));

    /// <summary>A delivery attempt ended with <paramref name="outcome"/>; <paramref name="lag"/> is set for delivered activities.</summary>
    public static void DeliveryAttempted(string outcome, TimeSpan? lag)
    {
        DeliveryAttempts.Add(1, new KeyValuePair<string, object?>("outcome", outcome));
        if (lag is { } l)
        {
            DeliveryLag.Record(Math.Max(0, l.TotalSeconds));
        }
    }

    public static void JobFailed(string kind, bool willRetry) =>
        JobFailures.Add(1, new KeyValuePair<string, object?>("kind", kind), new KeyValuePair<string, object?>("retry", willRetry));

    public static void SignInAttempted(string outcome) => SignIns.Add(1, new KeyValuePair<string, object?>("outcome", outcome));
}
