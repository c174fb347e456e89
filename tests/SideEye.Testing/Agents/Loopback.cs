using System.Net;
using System.Net.Sockets;

namespace SideEye.Testing.Agents;

/// <summary>
/// A loopback address of its own for each simulated machine (all of 127.0.0.0/8 is loopback on Linux) and a free
/// port on it: agents of different tests and test assemblies running at once never meet.
/// </summary>
public static class Loopback
{
    static int _next = Random.Shared.Next(2, 200);

    public static IPEndPoint FreeEndPoint()
    {
        var address = IPAddress.Parse($"127.0.{Random.Shared.Next(1, 250)}.{Interlocked.Increment(ref _next) % 250 + 2}");
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(address, 0));
        return (IPEndPoint)socket.LocalEndPoint!;
    }

    /// <summary>A free port on IPv6's loopback address, ::1.</summary>
    public static IPEndPoint FreeEndPointV6()
    {
        using var socket = new Socket(AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.IPv6Loopback, 0));
        return (IPEndPoint)socket.LocalEndPoint!;
    }
}
