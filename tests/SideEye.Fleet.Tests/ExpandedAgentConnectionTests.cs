using System.Net;
using SideEye.Fleet.Files;
using SideEye.Remote.Connection;
using M = SideEye.Loader.Contract.Messages;

namespace SideEye.Fleet.Tests;

/// <summary>
/// The expansion works against real agents: a fleet file's DNS name that resolves to two agents' addresses gives two
/// agents, each reached at its own address over TLS while the certificate is checked for the DNS name (the
/// certificates carry no address); the system's resolver does the same for localhost; a certificate that does not
/// name the DNS name is refused by the client even though the address is right.
/// </summary>
[Collection(PrivilegedFleetCollection.Name)]
[Trait("Category", "Privileged")]
public sealed class ExpandedAgentConnectionTests(TwoAgentsOneName agents) : IClassFixture<TwoAgentsOneName>
{
    [Fact]
    public async Task A_name_with_two_addresses_reaches_both_agents_checked_for_the_name()
    {
        var fleet = FleetFile.Load(agents.Fleet.WriteFleetFile($$"""[ { "name": "ds", "address": "https://{{TwoAgentsOneName.Name}}:{{agents.Port}}" } ]"""));
        var resolved = await fleet.ResolveAsync((host, _) => Task.FromResult(host == TwoAgentsOneName.Name
            ? new[] { agents.Second.EndPoint!.Address, agents.First.EndPoint!.Address }
            : throw new InvalidOperationException($"looked up {host}")));

        Assert.Equal([$"ds/{agents.First.EndPoint!.Address}", $"ds/{agents.Second.EndPoint!.Address}"], resolved.Select(a => a.Name));
        var allowed = new List<string>();
        foreach (var agent in resolved)
        {
            using var connection = AgentConnection.Open(agent.Address, fleet.Credentials, TimeSpan.FromSeconds(30));
            var info = await connection.Client.InfoAsync(new M.InfoRequest(), connection.Call());
            Assert.Equal("CN=alice", info.Caller);
            allowed.AddRange(info.Allow);
        }
        Assert.Equal(["first-agent", "second-agent"], allowed);
    }

    [Fact]
    public async Task Localhost_resolved_by_the_system_reaches_the_agent_on_127_0_0_1()
    {
        var fleet = FleetFile.Load(agents.Fleet.WriteFleetFile($$"""[ { "name": "me", "address": "https://localhost:{{agents.Port}}" } ]"""));
        var agent = Assert.Single(await fleet.ResolveAsync());
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, agents.Port), agent.Address.EndPoint);

        using var connection = AgentConnection.Open(agent.Address, fleet.Credentials, TimeSpan.FromSeconds(30));
        var info = await connection.Client.InfoAsync(new M.InfoRequest(), connection.Call());
        Assert.Equal(["first-agent"], info.Allow);
    }

    [Fact]
    public async Task A_certificate_that_does_not_name_the_dns_name_is_refused_at_the_right_address()
    {
        var fleet = FleetFile.Load(agents.Fleet.WriteFleetFile($$"""[ { "name": "other", "address": "https://other.fleet.test:{{agents.Port}}" } ]"""));
        var agent = Assert.Single(await fleet.ResolveAsync((_, _) => Task.FromResult(new[] { agents.First.EndPoint!.Address })));

        using var connection = AgentConnection.Open(agent.Address, fleet.Credentials, TimeSpan.FromSeconds(30));
        var e = await Assert.ThrowsAnyAsync<Exception>(async () => await connection.Client.InfoAsync(new M.InfoRequest(), connection.Call()));
        var message = connection.Describe(e).Message;
        Assert.Contains($"agent https://other.fleet.test:{agents.Port} at 127.0.0.1:{agents.Port} we refused the agent: its certificate", message);
        Assert.Contains("does not name other.fleet.test", message);
    }
}
