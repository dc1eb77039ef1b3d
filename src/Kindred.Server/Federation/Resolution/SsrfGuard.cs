using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Kindred.Server.Web;

namespace Kindred.Server.Federation.Resolution;

/// <summary>
/// Refuses connections to addresses a remote party must never make us reach (SSRF). IPv4: everything in the IANA
/// IPv4 special-purpose address registry (RFC 6890 and its updates): "this network", private (RFC 1918), shared
/// (carrier-grade NAT, RFC 6598), loopback, link-local (incl. cloud metadata at 169.254.169.254), IETF protocol
/// assignments (192.0.0.0/24), documentation, AS112, AMT, the deprecated 6to4 relay anycast, benchmarking,
/// multicast, reserved and broadcast. IPv6: only global unicast (<c>2000::/3</c>) is reachable at all, minus the
/// special-purpose blocks inside it (IETF protocol assignments <c>2001::/23</c>, documentation <c>2001:db8::/32</c>
/// and <c>3fff::/20</c>, AS112 <c>2620:4f:8000::/48</c>); everything outside it (loopback, unspecified,
/// discard-only, unique-local, link-local, site-local, multicast, SRv6 SIDs, reserved space) is refused. IPv6
/// addresses that carry an IPv4 address are decoded and the IPv4 address checked instead: IPv4-mapped
/// (<c>::ffff:0:0/96</c>), IPv4-compatible (<c>::/96</c>), NAT64 (<c>64:ff9b::/96</c>, RFC 6052, and the local-use
/// <c>64:ff9b:1::/48</c>, RFC 8215, at every prefix length RFC 6052 allows there), 6to4 (<c>2002::/16</c>, RFC 3056)
/// and Teredo (<c>2001::/32</c>, RFC 4380: the server address and the client address, which is stored XORed).
/// It runs in <see cref="SocketsHttpHandler.ConnectCallback"/>, after DNS resolution and on every connection, so a
/// DNS name pointing inside and a redirect to an inside address are both caught (and DNS rebinding gains nothing:
/// we connect to the address we checked).
/// </summary>
public static class SsrfGuard
{
    // IANA IPv4 Special-Purpose Address Registry (RFC 6890 §2.2.2, RFC 7335, RFC 7723, RFC 7526, RFC 8155, RFC 7450).
    private static readonly IPNetwork[] ForbiddenV4 =
    [
        IPNetwork.Parse("0.0.0.0/8"), IPNetwork.Parse("10.0.0.0/8"), IPNetwork.Parse("100.64.0.0/10"),
        IPNetwork.Parse("127.0.0.0/8"), IPNetwork.Parse("169.254.0.0/16"), IPNetwork.Parse("172.16.0.0/12"),
        IPNetwork.Parse("192.0.0.0/24"), IPNetwork.Parse("192.0.2.0/24"), IPNetwork.Parse("192.31.196.0/24"),
        IPNetwork.Parse("192.52.193.0/24"), IPNetwork.Parse("192.88.99.0/24"), IPNetwork.Parse("192.168.0.0/16"),
        IPNetwork.Parse("192.175.48.0/24"), IPNetwork.Parse("198.18.0.0/15"), IPNetwork.Parse("198.51.100.0/24"),
        IPNetwork.Parse("203.0.113.0/24"), IPNetwork.Parse("224.0.0.0/4"), IPNetwork.Parse("240.0.0.0/4"),
    ];

    /// <summary>IPv6 global unicast (RFC 4291 §2.4); nothing outside it is a server on the internet.</summary>
    private static readonly IPNetwork GlobalUnicast = IPNetwork.Parse("2000::/3");

    // IANA IPv6 Special-Purpose Address Registry entries inside 2000::/3 that are not decoded below.
    private static readonly IPNetwork[] ForbiddenV6 =
    [
        IPNetwork.Parse("2001::/23"), IPNetwork.Parse("2001:db8::/32"), IPNetwork.Parse("2620:4f:8000::/48"),
        IPNetwork.Parse("3fff::/20"),
    ];

    private static readonly IPNetwork Nat64 = IPNetwork.Parse("64:ff9b::/96");
    private static readonly IPNetwork Nat64LocalUse = IPNetwork.Parse("64:ff9b:1::/48");
    private static readonly IPNetwork SixToFour = IPNetwork.Parse("2002::/16");
    private static readonly IPNetwork Teredo = IPNetwork.Parse("2001::/32");

    /// <summary>True when a federation request must not connect to <paramref name="address"/>.</summary>
    public static bool IsForbidden(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        return address.AddressFamily switch
        {
            AddressFamily.InterNetwork => IsForbiddenV4(address),
            AddressFamily.InterNetworkV6 => IsForbiddenV6(address),
            _ => true,
        };
    }

    private static bool IsForbiddenV4(IPAddress address) =>
        address.Equals(IPAddress.Broadcast) || ForbiddenV4.Any(n => n.Contains(address));

    private static bool IsForbiddenV6(IPAddress address)
    {
        // A scope id only means something on this host's own links.
        if (address.ScopeId != 0)
        {
            return true;
        }

        Span<byte> b = stackalloc byte[16];
        address.TryWriteBytes(b, out _);
        // IPv4-mapped ::ffff:0:0/96 and IPv4-compatible ::/96 (by bytes: IPNetwork.Contains never matches a mapped address).
        var mappedOrCompatible = b[..10].IndexOfAnyExcept((byte)0) < 0 && ((b[10] == 0 && b[11] == 0) || (b[10] == 0xff && b[11] == 0xff));
        if (mappedOrCompatible || Nat64.Contains(address))
        {
            return IsForbiddenV4(V4(b[12..16]));
        }

        if (Nat64LocalUse.Contains(address))
        {
            // RFC 6052 §2.2: where the IPv4 address sits depends on the prefix length the operator chose (/48 to /96
            // inside this /48), which we cannot know. 64:ff9b:1::a.b.c.d (the usual /96) reads as a.b.c.d; any other
            // address is refused when any of the possible readings is a special address.
            if (b[6..12].IndexOfAnyExcept((byte)0) < 0)
            {
                return IsForbiddenV4(V4(b[12..16]));
            }

            Span<byte> v4 = stackalloc byte[4];
            ReadOnlySpan<int> starts = [6, 7, 9, 12]; // prefix /48, /56, /64, /96; byte 8 ("u", bits 64-71) is skipped
            foreach (var start in starts)
            {
                var j = 0;
                for (var i = start; j < 4; i++)
                {
                    if (i != 8)
                    {
                        v4[j++] = b[i];
                    }
                }

                if (IsForbiddenV4(V4(v4)))
                {
                    return true;
                }
            }

            return false;
        }

        if (SixToFour.Contains(address))
        {
            return IsForbiddenV4(V4(b[2..6]));
        }

        if (Teredo.Contains(address))
        {
            // RFC 4380 §4: 2001:0:SSSS:SSSS:flags:port:CCCC:CCCC, the server's IPv4 address in clear, the client's
            // (the address traffic is actually relayed to) with every bit inverted.
            Span<byte> client = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(client, ~BinaryPrimitives.ReadUInt32BigEndian(b[12..16]));
            return IsForbiddenV4(V4(b[4..8])) || IsForbiddenV4(V4(client));
        }

        return !GlobalUnicast.Contains(address) || ForbiddenV6.Any(n => n.Contains(address));
    }

    private static IPAddress V4(ReadOnlySpan<byte> bytes) => new(bytes);

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
