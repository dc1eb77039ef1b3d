using System.Buffers.Binary;
using System.Net;
using CsCheck;
using Kindred.Server.Federation.Resolution;

namespace Kindred.Server.Tests.Federation;

/// <summary>
/// Properties of the SSRF guard's address check over generated addresses (CsCheck). Each property runs a fixed
/// number of samples on one thread, so the suite's time stays bounded; a failure prints the shrunk address.
/// The oracle for "public" is independent of the guard's own tables: whole first octets (IPv4) or /16s (IPv6)
/// that hold no special-purpose block at all.
/// </summary>
public sealed class SsrfGuardPropertyTests
{
    private const long Iterations = 20_000;

    private static readonly string[] SpecialV4 =
    [
        "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12", "192.0.0.0/24",
        "192.0.2.0/24", "192.31.196.0/24", "192.52.193.0/24", "192.88.99.0/24", "192.168.0.0/16", "192.175.48.0/24",
        "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4", "255.255.255.255/32",
    ];

    private static readonly string[] SpecialV6 =
    [
        "::1/128", "::/128", "100::/64", "2001:1::1/128", "2001:2::/48", "2001:3::/32", "2001:4:112::/48", "2001:10::/28",
        "2001:20::/28", "2001:30::/28", "2001:db8::/32", "2620:4f:8000::/48", "3fff::/20", "5f00::/16", "fc00::/7",
        "fe80::/10", "fec0::/10", "ff00::/8",
    ];

    /// <summary>First octets whose whole /8 is ordinary public unicast (no special-purpose block inside).</summary>
    private static readonly int[] PublicFirstOctets =
        [.. Enumerable.Range(1, 9), .. Enumerable.Range(11, 89), .. Enumerable.Range(101, 26), .. Enumerable.Range(128, 41), 170, 171,
         .. Enumerable.Range(173, 19), .. Enumerable.Range(193, 5), .. Enumerable.Range(199, 4), .. Enumerable.Range(204, 20)];

    private static readonly Gen<IPAddress> AnyV4 = Gen.UInt.Select(V4);

    private static readonly Gen<IPAddress> PublicV4 =
        Gen.Select(Gen.OneOf(PublicFirstOctets), Gen.UInt[0, 0xFFFFFF], (first, rest) => V4(((uint)first << 24) | rest));

    private static readonly Gen<IPAddress> SpecialV4Address =
        Gen.Select(Gen.OneOf(SpecialV4), Gen.UInt, (cidr, random) => InNetwork(IPNetwork.Parse(cidr), BitConverter.GetBytes(random)));

    private static readonly Gen<byte[]> Bytes16 = Gen.Byte.Array[16];

    private static bool Forbidden(IPAddress a) => SsrfGuard.IsForbidden(a);

    [Fact]
    public void Every_address_in_a_special_purpose_block_is_refused()
    {
        SpecialV4Address.Sample(a => Assert.True(Forbidden(a), a.ToString()), iter: Iterations, threads: 1);
        Gen.Select(Gen.OneOf(SpecialV6), Bytes16, (cidr, random) => InNetwork(IPNetwork.Parse(cidr), random))
            .Sample(a => Assert.True(Forbidden(a), a.ToString()), iter: Iterations, threads: 1);
    }

    [Fact]
    public void Ordinary_public_addresses_are_allowed()
    {
        PublicV4.Sample(a => Assert.False(Forbidden(a), a.ToString()), iter: Iterations, threads: 1);

        // IPv6 global unicast outside the /16s that hold special blocks or embed IPv4 (2001::, 2002::, 2620::, 3fff::).
        Bytes16.Where(b => (b[0] & 0xE0) == 0x20 && !(b[0] == 0x20 && b[1] is 0x01 or 0x02) && !(b[0] == 0x26 && b[1] == 0x20) && !(b[0] == 0x3f && b[1] == 0xff))
            .Select(b => new IPAddress(b))
            .Sample(a => Assert.False(Forbidden(a), a.ToString()), iter: Iterations, threads: 1);
    }

    [Fact]
    public void IPv6_outside_global_unicast_is_refused_unless_it_embeds_an_allowed_IPv4_address()
    {
        Bytes16.Where(b => (b[0] & 0xE0) != 0x20 && !EmbedsV4(b)).Select(b => new IPAddress(b))
            .Sample(a => Assert.True(Forbidden(a), a.ToString()), iter: Iterations, threads: 1);
    }

    [Fact]
    public void Mapped_compatible_and_well_known_NAT64_addresses_are_judged_by_their_IPv4_address()
    {
        AnyV4.Sample(v4 =>
        {
            var expected = Forbidden(v4);
            Assert.Equal(expected, Forbidden(v4.MapToIPv6()));
            Assert.Equal(expected, Forbidden(Embed([], v4, 12)));                      // ::a.b.c.d (deprecated IPv4-compatible)
            Assert.Equal(expected, Forbidden(Embed([0x00, 0x64, 0xff, 0x9b], v4, 12))); // 64:ff9b::a.b.c.d (RFC 6052)
            Assert.Equal(expected, Forbidden(Embed([0x00, 0x64, 0xff, 0x9b, 0x00, 0x01], v4, 12))); // 64:ff9b:1::a.b.c.d (RFC 8215, /96)
        }, iter: Iterations, threads: 1);
    }

    [Fact]
    public void A_special_IPv4_address_anywhere_RFC_6052_puts_it_in_the_local_use_NAT64_prefix_is_refused()
    {
        Gen.Select(SpecialV4Address, Gen.Int[0, 3], Bytes16, (v4, layout, random) =>
        {
            var b = (byte[])random.Clone();
            b[0] = 0x00; b[1] = 0x64; b[2] = 0xff; b[3] = 0x9b; b[4] = 0x00; b[5] = 0x01;
            var start = new[] { 6, 7, 9, 12 }[layout];
            var v = v4.GetAddressBytes();
            for (int i = start, j = 0; j < 4; i++)
            {
                if (i != 8)
                {
                    b[i] = v[j++];
                }
            }

            return new IPAddress(b);
        }).Sample(a => Assert.True(Forbidden(a), a.ToString()), iter: Iterations, threads: 1);
    }

    [Fact]
    public void SixToFour_addresses_are_judged_by_their_IPv4_address()
    {
        Gen.Select(AnyV4, Bytes16, (v4, random) =>
        {
            var b = (byte[])random.Clone();
            b[0] = 0x20; b[1] = 0x02;
            v4.GetAddressBytes().CopyTo(b, 2);
            return (V4: v4, V6: new IPAddress(b));
        }).Sample(p => Assert.Equal(Forbidden(p.V4), Forbidden(p.V6)), iter: Iterations, threads: 1);
    }

    [Fact]
    public void Teredo_addresses_are_refused_when_their_server_or_their_obfuscated_client_is_special()
    {
        Gen.Select(AnyV4, AnyV4, Gen.UInt, (server, client, flagsAndPort) =>
        {
            var b = new byte[16];
            b[0] = 0x20; b[1] = 0x01;
            server.GetAddressBytes().CopyTo(b, 4);
            BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(8), flagsAndPort);
            BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(12), ~BinaryPrimitives.ReadUInt32BigEndian(client.GetAddressBytes()));
            return (Server: server, Client: client, V6: new IPAddress(b));
        }).Sample(t => Assert.Equal(Forbidden(t.Server) || Forbidden(t.Client), Forbidden(t.V6)), iter: Iterations, threads: 1);

        // A public Teredo server relaying to 127.0.0.1 (stored as 0x80fffffe) and to 10.0.0.1.
        Assert.True(Forbidden(IPAddress.Parse("2001:0:5db8:d70e::80ff:fffe")));
        Assert.True(Forbidden(IPAddress.Parse("2001:0:5db8:d70e::f5ff:fffe")));
        Assert.False(Forbidden(IPAddress.Parse("2001:0:5db8:d70e::a247:28f1"))); // client 93.184.215.14
    }

    [Theory]
    [InlineData("64:ff9b:1::a00:1")]          // 10.0.0.1 behind the local-use NAT64 prefix, /96 (RFC 8215)
    [InlineData("64:ff9b:1:7f00:0:100::")]     // 127.0.0.1 at the /48 position
    [InlineData("64:ff9b:1:5d:b8:d70e::")]     // 0.93.184.215 at /48 reads as 0.0.0.0/8
    [InlineData("2001:0:a00:1::")]             // Teredo server 10.0.0.1
    [InlineData("2002:c0a8:101::1")]           // 6to4 of 192.168.1.1
    [InlineData("::a9fe:a9fe")]                // IPv4-compatible 169.254.169.254
    [InlineData("::ffff:0:a9fe:a9fe")]         // SIIT IPv4-translated (RFC 2765), outside 2000::/3
    [InlineData("2001:4:112::1")]              // AS112
    [InlineData("3fff::1")]                    // documentation (RFC 9637)
    [InlineData("5f00::1")]                    // SRv6 SIDs (RFC 9602)
    [InlineData("fe80::1%1")]                  // scoped link-local
    [InlineData("192.0.0.9")]                  // PCP anycast: special-purpose, refused outright
    [InlineData("192.52.193.1")]               // AMT
    public void Special_addresses_the_old_guard_missed_are_refused(string address) =>
        Assert.True(Forbidden(IPAddress.Parse(address)), address);

    [Theory]
    [InlineData("64:ff9b:1::5db8:d70e")]       // 93.184.215.14 through the local-use NAT64 prefix
    [InlineData("64:ff9b::5db8:d70e")]
    [InlineData("2002:5db8:d70e::1")]
    [InlineData("::ffff:93.184.215.14")]
    public void Public_IPv4_addresses_inside_IPv6_are_allowed(string address) =>
        Assert.False(Forbidden(IPAddress.Parse(address)), address);

    private static bool EmbedsV4(byte[] b) =>
        b.AsSpan(0, 10).IndexOfAnyExcept((byte)0) < 0 // ::/96 and ::ffff:0:0/96
        || b.AsSpan(0, 4).SequenceEqual(new byte[] { 0x00, 0x64, 0xff, 0x9b });

    private static IPAddress V4(uint value)
    {
        var b = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(b, value);
        return new IPAddress(b);
    }

    private static IPAddress Embed(byte[] prefix, IPAddress v4, int at)
    {
        var b = new byte[16];
        prefix.CopyTo(b, 0);
        v4.GetAddressBytes().CopyTo(b, at);
        return new IPAddress(b);
    }

    /// <summary>An address of <paramref name="network"/> with the host bits taken from <paramref name="random"/>.</summary>
    private static IPAddress InNetwork(IPNetwork network, byte[] random)
    {
        var b = network.BaseAddress.GetAddressBytes();
        for (var i = 0; i < b.Length; i++)
        {
            var bitsFixed = Math.Clamp(network.PrefixLength - (i * 8), 0, 8);
            var mask = (byte)(0xFF >> bitsFixed);
            b[i] = (byte)((b[i] & ~mask) | (random[i % random.Length] & mask));
        }

        return new IPAddress(b);
    }
}
