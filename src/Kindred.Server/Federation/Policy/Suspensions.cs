using Kindred.Server.Federation.Delivery;

namespace Kindred.Server.Federation.Policy;

/// <summary>
/// What a suspension cuts at once, after the block is committed: deliveries queued for the domain are cancelled (never
/// retried). Whatever is still sent or received afterwards is refused at the door by <see cref="FederationPolicy"/>.
/// </summary>
public sealed class Suspensions(DeliveryCancellation deliveries, ILogger<Suspensions> log)
{
    public const string CancelledReason = "cancelled: the domain is suspended by the federation policy";

    public async Task ApplyAsync(IReadOnlyCollection<string> domains, CancellationToken ct)
    {
        if (domains.Count == 0)
        {
            return;
        }

        var matcher = new DomainMatcher<string>(domains.Select(d => (d, d)));
        var cancelled = await deliveries.CancelAsync(h => matcher.Find(DomainPattern.HostOf(h)) is not null, CancelledReason, ct);
        if (cancelled > 0)
        {
            log.LogInformation("Cancelled {Count} queued deliveries to suspended domains {Domains}", cancelled, string.Join(", ", domains));
        }
    }
}
