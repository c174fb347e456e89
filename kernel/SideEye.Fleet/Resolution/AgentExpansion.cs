using System.Net;
using System.Net.Sockets;
using SideEye.Fleet.Agents;

namespace SideEye.Fleet.Resolution;

/// <summary>
/// The agents a fleet file's agents stand for: an https agent named by DNS becomes one agent per address its name
/// resolves to (a Kubernetes headless service lists a DaemonSet's pods so), each dialled at its address while its
/// certificate must still carry the name. Several agents are named <c>NAME/ADDRESS</c>: unique, stable for as long as
/// the pod lives, and they say which entry of the file they came from. A name with one address keeps its name.
/// </summary>
static class AgentExpansion
{
    public static HostResolver SystemResolver { get; } = (host, cancellation) => Dns.GetHostAddressesAsync(host, cancellation);

    public static async Task<IReadOnlyList<FleetAgent>> ExpandAsync(IReadOnlyList<FleetAgent> agents, HostResolver resolver, CancellationToken cancellation)
    {
        var expanded = await Task.WhenAll(agents.Select(a => ExpandAsync(a, resolver, cancellation))).ConfigureAwait(false);
        return [.. expanded.SelectMany(a => a)];
    }

    static async Task<IReadOnlyList<FleetAgent>> ExpandAsync(FleetAgent agent, HostResolver resolver, CancellationToken cancellation)
    {
        var address = agent.Address;
        if (address.IsUnix || address.EndPoint is not null || IPAddress.TryParse(address.Host, out _)) return [agent];
        IPAddress[] found;
        try { found = await resolver(address.Host!, cancellation).ConfigureAwait(false); }
        catch (SocketException e)
        {
            return [agent with { Problem = $"agent {agent.Name}: {address.Host} does not resolve ({e.Message.TrimEnd('.')})" }];
        }
        var usable = OneFamily(found);
        return usable.Count switch
        {
            0 => [agent with { Problem = $"agent {agent.Name}: {address.Host} resolves to no address" }],
            1 => [agent with { Address = address.WithEndPoint(usable[0]) }],
            _ => [.. usable.Select(ip => agent with { Name = $"{agent.Name}/{ip}", Address = address.WithEndPoint(ip) })],
        };
    }

    /// <summary>
    /// The IPv4 addresses when there are any, else the IPv6 ones, in address order, each once: a dual-stack name gives
    /// each machine one address of either family, and the same machine must not be asked twice.
    /// </summary>
    static IReadOnlyList<IPAddress> OneFamily(IPAddress[] addresses)
    {
        var family = addresses.Any(a => a.AddressFamily == AddressFamily.InterNetwork) ? AddressFamily.InterNetwork : AddressFamily.InterNetworkV6;
        return [.. addresses.Where(a => a.AddressFamily == family).Distinct()
            .OrderBy(a => a.GetAddressBytes(), Comparer<byte[]>.Create((x, y) => x.AsSpan().SequenceCompareTo(y)))];
    }
}
