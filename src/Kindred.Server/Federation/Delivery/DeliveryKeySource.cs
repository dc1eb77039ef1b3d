using Kindred.ActivityPub.Keys;
using Kindred.Server.Web;

namespace Kindred.Server.Federation.Delivery;

/// <summary>
/// Where the delivery worker gets the signing key of the actor an activity is sent as. A seam so delivery does not
/// depend on how actor keys are stored: the app wires it to the actor key store. The source owns the keys it returns
/// (it caches them; importing an RSA key costs far more than a signature), so the worker never disposes them.
/// </summary>
public sealed class DeliveryKeySource(Func<string, CancellationToken, Task<SigningKey>> getSigningKey)
{
    /// <summary>Used until actor keys are wired: every attempt fails as a local error and is retried later.</summary>
    public static DeliveryKeySource NotConfigured { get; } = new((actorId, _) =>
        throw new InvalidOperationException($"No signing key source is configured, so {actorId} cannot sign deliveries."));

    public Task<SigningKey> GetSigningKeyAsync(string actorId, CancellationToken ct) => getSigningKey(actorId, ct);
}

/// <summary>
/// Resolves remote host names for delivery connections; the default is DNS. A seam so the benchmark can map
/// thousands of distinct host names to loopback without touching /etc/hosts.
/// </summary>
public sealed class DeliveryNameResolver(Func<string, CancellationToken, Task<System.Net.IPAddress[]>> resolve)
{
    public static DeliveryNameResolver Dns { get; } = new((host, ct) => System.Net.Dns.GetHostAddressesAsync(host, ct));

    public Task<System.Net.IPAddress[]> ResolveAsync(string host, CancellationToken ct) => resolve(host, ct);
}
