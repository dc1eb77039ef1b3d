using System.Net;
using System.Net.Sockets;

namespace Kindred.Server.Features.Accounts;

/// <summary>
/// The unit sign-in limits count by: an IPv4 address, or the /64 an IPv6 address is in (one home or phone usually
/// gets a whole /64 and can pick any address in it, so counting single IPv6 addresses would count nothing).
/// </summary>
public static class ClientAddress
{
    public static string Key(IPAddress? address)
    {
        if (address is null)
        {
            return "unknown";
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return address.ToString();
        }

        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new IPAddress(bytes) + "/64";
    }
}
