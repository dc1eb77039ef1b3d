using System.Net;
using System.Net.Sockets;
using Kindred.Server.Web;

namespace Kindred.Server.Federation.Resolution;

/// <summary>
/// Refuses connections to addresses a remote party must never make us reach (SSRF): loopback, private (RFC 1918),
/// carrier-grade NAT (RFC 6598), link-local (incl. cloud metadata at 169.254.169.254), multicast, unspecified,
/// documentation and benchmarking ranges, IPv6 unique-local (RFC 4193) and site-local, and IPv4 addresses
/// hidden in IPv6 (mapped, NAT64, 6to4, Teredo). It runs in <see cref="SocketsHttpHandler.ConnectCallback"/>,
/// after DNS resolution and on every connection, so a DNS name pointing inside and a redirect to an inside
/// address are both caught (and DNS rebinding gains nothing: we connect to the address we checked).
/// </summary>
public static class SsrfGuard
{
    private static readonly IPNetwork[] ForbiddenV4 =
    [
        IPNetwork.Parse("0.0.0.0/8"), IPNetwork.Parse("10.0.0.0/8"), IPNetwork.Parse("100.64.0.0/10"),
        IPNetwork.Parse("127.0.0.0/8"), IPNetwork.Parse("169.254.0.0/16"), IPNetwork.Parse("172.16.0.0/12"),
        IPNetwork.Parse("192.0.0.0/24"), IPNetwork.Parse("192.0.2.0/24"), IPNetwork.Parse("192.88.99.0/24"),
        IPNetwork.Parse("192.168.0.0/16"), IPNetwork.Parse("198.18.0.0/15"), IPNetwork.Parse("198.51.100.0/24"),
        IPNetwork.Parse("203.0.113.0/24"), IPNetwork.Parse("224.0.0.0/4"), IPNetwork.Parse("240.0.0.0/4"),
    ];

    private static readonly IPNetwork[] ForbiddenV6 =
    [
        IPNetwork.Parse("::/128"), IPNetwork.Parse("::1/128"), IPNetwork.Parse("100::/64"),
        IPNetwork.Parse("2001::/32"), IPNetwork.Parse("2001:db8::/32"), IPNetwork.Parse("2001:10::/28"),
        IPNetwork.Parse("fc00::/7"), IPNetwork.Parse("fe80::/10"), IPNetwork.Parse("fec0::/10"), IPNetwork.Parse("ff00::/8"),
    ];

    private static readonly IPNetwork Nat64 = IPNetwork.Parse("64:ff9b::/96");
    private static readonly IPNetwork SixToFour = IPNetwork.Parse("2002::/16");

    /// <summary>True when a federation request must not connect to <paramref name="address"/>.</summary>
    public static bool IsForbidden(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            return address.Equals(IPAddress.Broadcast) || ForbiddenV4.Any(n => n.Contains(address));
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return true;
        }

        var bytes = address.GetAddressBytes();
        if (Nat64.Contains(address))
        {
            return IsForbidden(new IPAddress(bytes[12..16]));
        }

        if (SixToFour.Contains(address))
        {
            return IsForbidden(new IPAddress(bytes[2..6]));
        }

        // IPv4-compatible (deprecated) ::a.b.c.d
        if (bytes[..12].All(b => b == 0))
        {
            return true;
        }

        return ForbiddenV6.Any(n => n.Contains(address));
    }

    /// <summary>
    /// A connect callback that resolves the host (with <paramref name="resolve"/>, DNS by default), drops forbidden
    /// addresses (unless <paramref name="isAllowed"/> says otherwise) and connects to what is left; refuses with
    /// <see cref="SsrfRefusedException"/> when nothing is. Used by every outbound federation client (fetches and
    /// deliveries), so the check runs on each connection, redirects included.
    /// </summary>
    public static Func<SocketsHttpConnectionContext, CancellationToken, ValueTask<Stream>> ConnectCallback(
        Func<IPAddress, bool> isAllowed, Func<string, CancellationToken, Task<IPAddress[]>>? resolve = null) =>
        async (context, ct) =>
        {
            var host = context.DnsEndPoint.Host.Trim('[', ']');
            var addresses = IPAddress.TryParse(host, out var literal)
                ? [literal]
                : await (resolve ?? Dns.GetHostAddressesAsync)(host, ct);
            var allowed = addresses.Where(isAllowed).ToArray();
            if (allowed.Length == 0)
            {
                throw addresses.Length == 0
                    ? new SocketException((int)SocketError.HostNotFound)
                    : new SsrfRefusedException($"Refusing to connect to {host}: it resolves only to private or special addresses.");
            }

            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(allowed, context.DnsEndPoint.Port, ct);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        };
}

/// <summary>The SSRF guard refused a connection.</summary>
public sealed class SsrfRefusedException : IOException
{
    public SsrfRefusedException()
    {
    }

    public SsrfRefusedException(string message)
        : base(message)
    {
    }

    public SsrfRefusedException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
