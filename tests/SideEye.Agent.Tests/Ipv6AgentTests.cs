using SideEye.Remote.Connection;
using SideEye.Remote.Executables;
using SideEye.Snapshots.Collection;
using SideEye.Testing;
using SideEye.Testing.Agents;

namespace SideEye.Agent.Tests;

/// <summary>
/// An agent on an IPv6 address, written as the user writes it (<c>https://[::1]:PORT</c>): the client dials it, checks
/// the certificate against the address, and takes a real snapshot of a process there.
/// </summary>
[Collection(PrivilegedAgentCollection.Name)]
[Trait("Category", "Privileged")]
public sealed class Ipv6AgentTests : IDisposable
{
    readonly TestFleet _fleet = new();

    [Fact]
    public async Task An_agent_at_an_IPv6_address_in_brackets_is_snapshotted_through()
    {
        Requires.Root();
        using var agent = AgentProcess.StartTls(_fleet, Loopback.FreeEndPointV6());
        Assert.StartsWith("https://[::1]:", agent.Url, StringComparison.Ordinal);
        using var target = new ParkedProgram(GoToolchains.Newest, idle: 50, ns: agent.Namespace);
        var address = AgentAddress.Parse(agent.Url);
        Assert.Equal(agent.Url, address.Url);
        using var connection = AgentConnection.Open(address, _fleet.Client, TimeSpan.FromSeconds(30));
        using var remote = new RemoteSnapshotter(connection, new ExecutableCache(Path.Combine(_fleet.Folder, "cache"))) { MaxPause = TimeSpan.FromSeconds(1) };
        var process = Assert.Single((await remote.TakeAsync([target.Pid])).Processes);
        Assert.True(process.Error is null, process.Error);
        Assert.Equal(target.Pid, process.Pid);
        Assert.True(process.Goroutines.Count >= 50, $"{process.Goroutines.Count} goroutines");
    }

    public void Dispose() => _fleet.Dispose();
}
