using System.Net;
using System.Net.Sockets;

namespace Kindred.Server.Federation.Net;

/// <summary>
/// <c>Kindred:Federation:AllowPrivateAddresses</c>. Bound on its own so Delivery and Resolution can share it without
/// owning the rest of the <c>Kindred:Federation</c> section.
/// </summary>
public sealed class FederationNetworkOptions
{
    public const string Section = "Kindred:Federation";

    /// <summary>Allow outgoing federation requests to loopback, private and link-local addresses. Off by default
    /// (server-side request forgery); tests and closed networks turn it on.</summary>
    public bool AllowPrivateAddresses { get; set; }
}

/// <summary>Thrown when every address of a remote host is private and private addresses are not allowed.</summary>
public sealed class PrivateAddressException(string host)
    : IOException($"Refused to connect to {host}: it resolves only to private or loopback addresses (Kindred:Federation:AllowPrivateAddresses is false).");

/// <summary>
/// The SSRF guard for outgoing connections. It checks the addresses a name resolves to and then connects to exactly
/// those addresses, so a DNS answer that changes between check and connect (rebinding) cannot slip through.
/// </summary>
public static class PrivateAddresses
{
    // IANA special-purpose registries (RFC 6890 and updates): not reachable on the public internet.
    private static readonly IPNetwork[] Blocked =
    [
        IPNetwork.Parse("0.0.0.0/8"), IPNetwork.Parse("10.0.0.0/8"), IPNetwork.Parse("100.64.0.0/10"),
        IPNetwork.Parse("127.0.0.0/8"), IPNetwork.Parse("169.254.0.0/16"), IPNetwork.Parse("172.16.0.0/12"),
        IPNetwork.Parse("192.0.0.0/24"), IPNetwork.Parse("192.0.2.0/24"), IPNetwork.Parse("192.168.0.0/16"),
        IPNetwork.Parse("198.18.0.0/15"), IPNetwork.Parse("198.51.100.0/24"), IPNetwork.Parse("203.0.113.0/24"),
        IPNetwork.Parse("224.0.0.0/4"), IPNetwork.Parse("240.0.0.0/4"),
        IPNetwork.Parse("::/128"), IPNetwork.Parse("::1/128"), IPNetwork.Parse("fc00::/7"), IPNetwork.Parse("fe80::/10"),
        IPNetwork.Parse("ff00::/8"), IPNetwork.Parse("2001:db8::/32"), IPNetwork.Parse("100::/64"),
    ];

    private static readonly IPNetwork Nat64 = IPNetwork.Parse("64:ff9b::/96");

    public static bool IsPrivate(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily == AddressFamily.InterNetworkV6 && Nat64.Contains(address))
        {
            // NAT64 embeds an IPv4 address in the last 32 bits (RFC 6052).
            var bytes = address.GetAddressBytes();
            return IsPrivate(new IPAddress(bytes.AsSpan(12, 4)));
        }

        foreach (var network in Blocked)
        {
            if (network.BaseAddress.AddressFamily == address.AddressFamily && network.Contains(address))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// A <see cref="SocketsHttpHandler.ConnectCallback"/> that resolves with <paramref name="resolve"/>, drops private
    /// addresses unless <paramref name="allowPrivate"/>, and connects to the first address that answers.
    /// </summary>
    public static Func<SocketsHttpConnectionContext, CancellationToken, ValueTask<Stream>> ConnectCallback(
        bool allowPrivate, Func<string, CancellationToken, Task<IPAddress[]>> resolve) => async (context, ct) =>
    {
        var host = context.DnsEndPoint.Host.Trim('[', ']');
        var addresses = IPAddress.TryParse(host, out var literal) ? [literal] : await resolve(host, ct);
        var allowed = allowPrivate ? addresses : addresses.Where(a => !IsPrivate(a)).ToArray();
        if (allowed.Length == 0)
        {
            throw addresses.Length == 0 ? new SocketException((int)SocketError.HostNotFound) : new PrivateAddressException(host);
        }

        Exception? last = null;
        foreach (var address in allowed)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, context.DnsEndPoint.Port), ct);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException ex)
            {
                socket.Dispose();
                last = ex;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }

        throw last!;
    };
}
