using System.Net;
using System.Net.Sockets;
using SideEye.Testing;
using SideEye.Testing.Agents;

namespace SideEye.Fleet.Tests;

/// <summary>
/// Two real TLS agents (each in a PID namespace of its own) on the same port of two loopback addresses, 127.0.0.1
/// and another, both with certificates naming only <see cref="Name"/> and localhost, as one DNS name's pods would be.
/// Each allows a different executable pattern, which its Info answer repeats: the test can tell which one answered.
/// </summary>
public sealed class TwoAgentsOneName : IDisposable
{
    public const string Name = "agents.fleet.test";

    public DnsNamedFleet Fleet { get; } = new(Name, "localhost");
    public AgentProcess First { get; }
    public AgentProcess Second { get; }
    public int Port { get; }

    public TwoAgentsOneName()
    {
        Requires.Root();
        var (first, second) = SamePortOnTwoAddresses();
        Port = first.Port;
        First = AgentProcess.StartTls(Fleet, first, ["--allow", "first-agent"]);
        try { Second = AgentProcess.StartTls(Fleet, second, ["--allow", "second-agent"]); }
        catch
        {
            First.Dispose();
            throw;
        }
    }

    /// <summary>A port free on both 127.0.0.1 (where localhost resolves) and a loopback address of this test's own.</summary>
    static (IPEndPoint, IPEndPoint) SamePortOnTwoAddresses()
    {
        for (var attempt = 0; attempt < 50; attempt++)
        {
            using var one = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            one.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            var port = ((IPEndPoint)one.LocalEndPoint!).Port;
            var other = new IPEndPoint(Loopback.FreeEndPoint().Address, port);
            using var two = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try { two.Bind(other); }
            catch (SocketException) { continue; }
            return (new IPEndPoint(IPAddress.Loopback, port), other);
        }
        throw new InvalidOperationException("no port free on two loopback addresses in 50 tries");
    }

    public void Dispose()
    {
        Second.Dispose();
        First.Dispose();
        Fleet.Dispose();
    }
}
