using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Kindred.Server.Tests.TestRig;

/// <summary>
/// A loopback port this test process holds: a socket bound to port 0 on <see cref="Address"/> (the kernel picks a free
/// port, which is read back) that never listens. Nothing answers on it (connections are refused, like a server that is
/// down) and no other process is given it, until a server of this process binds the same address and port to listen:
/// .NET sockets on Linux allow that next to a bound socket that is not listening, so Kestrel and WireMock can start on
/// it, stop, and start again on the same port while the reservation lasts. This replaces "find a free port, close it and
/// hope nobody takes it before the server binds" (several developers run tests on one machine).
/// </summary>
public sealed class LoopbackPort : IDisposable
{
    private static readonly ConcurrentDictionary<(string Address, int Port), LoopbackPort> Held = new();
    private readonly Socket _socket;

    private LoopbackPort(Socket socket, string address, int port)
    {
        _socket = socket;
        Address = address;
        Port = port;
    }

    public string Address { get; }
    public int Port { get; }

    /// <summary><c>http://address:port</c>, without a trailing slash (as Kindred:PublicUrl is written).</summary>
    public string Origin => $"http://{Address}:{Port}";

    /// <summary>Binds port 0 on <paramref name="address"/> (127.0.0.0/8 only) and keeps it until disposed.</summary>
    public static LoopbackPort Reserve(string address = "127.0.0.1")
    {
        var ip = IPAddress.Parse(address);
        if (!IPAddress.IsLoopback(ip))
        {
            throw new ArgumentException("Tests use loopback addresses only.", nameof(address));
        }

        var socket = new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            socket.Bind(new IPEndPoint(ip, 0));
            var port = new LoopbackPort(socket, address, ((IPEndPoint)socket.LocalEndPoint!).Port);
            Held[(address, port.Port)] = port;
            return port;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Gives up the reservation of <paramref name="origin"/>'s port, if this process holds one.</summary>
    public static void Release(Uri origin)
    {
        if (Held.TryGetValue((origin.Host, origin.Port), out var port))
        {
            port.Dispose();
        }
    }

    public void Dispose()
    {
        Held.TryRemove(new KeyValuePair<(string, int), LoopbackPort>((Address, Port), this));
        _socket.Dispose();
    }
}
