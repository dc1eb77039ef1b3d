using System.Net;
using WireMock.Server;
using WireMock.Settings;

namespace Kindred.Server.Tests.TestRig;

/// <summary>
/// WireMock.Net listening on one loopback address, on the port the kernel picks (port 0, read back as
/// <see cref="WireMockServer.Port"/>) or on a port this process reserved (<see cref="LoopbackPort"/>).
/// <c>WireMockServer.Start()</c> alone listens on every interface (<c>http://*:0</c>).
/// </summary>
public static class LoopbackWireMock
{
    /// <summary>Starts on <paramref name="address"/> (a name such as "localhost" listens on 127.0.0.1, where it resolves).</summary>
    public static WireMockServer Start(string address = "127.0.0.1", int port = 0)
    {
        var ip = IPAddress.TryParse(address, out var parsed) ? parsed : IPAddress.Loopback;
        if (!IPAddress.IsLoopback(ip))
        {
            throw new ArgumentException("Tests use loopback addresses only.", nameof(address));
        }

        return WireMockServer.Start(new WireMockServerSettings { Urls = [$"http://{ip}:{port}"] });
    }
}
