using System.Net;
using System.Net.Sockets;
using SideEye.Fleet.Agents;
using SideEye.Fleet.Files;
using SideEye.Fleet.Resolution;
using SideEye.Remote.Connection;

namespace SideEye.Fleet.Tests;

/// <summary>
/// The agents a fleet stands for: a DNS name with several addresses becomes one agent per address (IPv4 when it has
/// any), named NAME/ADDRESS and dialled at that address while its certificate must name the DNS name; one address
/// keeps the name; IP literals and sockets are not looked up; a name that does not resolve is an agent with a problem,
/// not a failed fleet. Once with the system's resolver, for "localhost" and a name that cannot exist.
/// </summary>
public sealed class ResolutionTests
{
    const string Fleet = """
        { "version": 1,
          "agents": [
            { "name": "pods", "address": "https://sideeye-agent.monitoring.svc:7443", "environment": "prod", "labels": { "zone": "a" } },
            { "name": "db", "address": "https://db.internal:7443" },
            { "name": "ip", "address": "https://10.1.2.3:7443" },
            { "name": "v6", "address": "https://[fd00::9]:7443" },
            { "name": "local", "address": "unix:/run/sideeye/agent.sock" },
            { "name": "gone", "address": "https://gone.internal:7443" },
            { "name": "dual", "address": "https://dual.internal:7443" },
            { "name": "six", "address": "https://six.internal:7443" } ] }
        """;

    readonly List<string> _lookedUp = [];

    Task<IPAddress[]> Resolve(string host, CancellationToken cancellation)
    {
        lock (_lookedUp) _lookedUp.Add(host);
        return host switch
        {
            "sideeye-agent.monitoring.svc" => Task.FromResult(Addresses("10.0.3.12", "10.0.3.7", "10.0.3.12", "10.0.10.1")),
            "db.internal" => Task.FromResult(Addresses("10.9.0.1")),
            "dual.internal" => Task.FromResult(Addresses("fd00::2", "10.5.0.2", "fd00::1", "10.5.0.1")),
            "six.internal" => Task.FromResult(Addresses("fd00::b", "fd00::a")),
            _ => Task.FromException<IPAddress[]>(new SocketException((int)SocketError.HostNotFound)),
        };
    }

    static IPAddress[] Addresses(params string[] addresses) => [.. addresses.Select(IPAddress.Parse)];

    [Fact]
    public async Task Each_address_of_a_name_is_an_agent_dialled_there_and_checked_for_the_name()
    {
        var agents = await FleetFile.Parse(Fleet, "/team/fleet.json").ResolveAsync(Resolve);

        Assert.Equal(["pods/10.0.3.7", "pods/10.0.3.12", "pods/10.0.10.1", "db", "ip", "v6", "local", "gone",
            "dual/10.5.0.1", "dual/10.5.0.2", "six/fd00::a", "six/fd00::b"], agents.Select(a => a.Name));
        foreach (var pod in agents.Take(3))
        {
            Assert.Equal("sideeye-agent.monitoring.svc", pod.Address.Host);
            Assert.Equal(new IPEndPoint(IPAddress.Parse(pod.Name["pods/".Length..]), 7443), pod.Address.EndPoint);
            Assert.Equal("prod", pod.Environment);
            Assert.Equal("a", pod.Labels["zone"]);
            Assert.Null(pod.Problem);
        }
        Assert.Equal("https://sideeye-agent.monitoring.svc:7443 at 10.0.3.7:7443", agents[0].Address.ToString());

        var db = agents.Single(a => a.Name == "db");
        Assert.Equal(("db.internal", new IPEndPoint(IPAddress.Parse("10.9.0.1"), 7443)), (db.Address.Host, db.Address.EndPoint));

        Assert.Null(agents.Single(a => a.Name == "ip").Address.EndPoint);
        Assert.Null(agents.Single(a => a.Name == "v6").Address.EndPoint);
        Assert.True(agents.Single(a => a.Name == "local").Address.IsUnix);
        // Only DNS names are looked up, each once, all at once (so in any order).
        Assert.Equal(["db.internal", "dual.internal", "gone.internal", "sideeye-agent.monitoring.svc", "six.internal"], _lookedUp.Order(StringComparer.Ordinal));

        var gone = agents.Single(a => a.Name == "gone");
        Assert.StartsWith("agent gone: gone.internal does not resolve (", gone.Problem);
        Assert.Null(gone.Address.EndPoint);
        Assert.All(agents.Where(a => a != gone), a => Assert.Null(a.Problem));
    }

    [Fact]
    public async Task A_name_with_no_address_is_a_problem_not_an_exception()
    {
        var fleet = FleetFile.Parse("""{ "version": 1, "agents": [ { "name": "a", "address": "https://empty.internal:1" } ] }""", "/f.json");
        var agent = Assert.Single(await fleet.ResolveAsync((_, _) => Task.FromResult(Array.Empty<IPAddress>())));
        Assert.Equal("agent a: empty.internal resolves to no address", agent.Problem);
    }

    [Fact]
    public async Task Localhost_resolves_for_real_to_one_agent_at_a_loopback_address()
    {
        var fleet = FleetFile.Parse("""{ "version": 1, "agents": [ { "name": "me", "address": "https://localhost:7443" } ] }""", "/f.json");
        var agent = Assert.Single(await fleet.ResolveAsync());
        Assert.Equal("me", agent.Name);
        Assert.Equal("localhost", agent.Address.Host);
        Assert.True(IPAddress.IsLoopback(agent.Address.EndPoint!.Address), agent.Address.ToString());
        Assert.Equal(7443, agent.Address.EndPoint.Port);
    }

    [Fact]
    public async Task A_name_that_cannot_exist_is_a_problem_for_real()
    {
        // .invalid never resolves (RFC 6761).
        var fleet = FleetFile.Parse("""{ "version": 1, "agents": [ { "name": "nowhere", "address": "https://sideeye.invalid:7443" } ] }""", "/f.json");
        var agent = Assert.Single(await fleet.ResolveAsync());
        Assert.StartsWith("agent nowhere: sideeye.invalid does not resolve (", agent.Problem);
    }

    [Fact]
    public void An_end_point_keeps_the_name_the_certificate_is_checked_for()
    {
        var address = AgentAddress.Parse("https://agents.example:7443").WithEndPoint(IPAddress.Parse("192.0.2.4"));
        Assert.Equal(("agents.example", 7443, "https://agents.example:7443"), (address.Host, address.Port, address.Text));
        Assert.Equal(new IPEndPoint(IPAddress.Parse("192.0.2.4"), 7443), address.EndPoint);
        Assert.Throws<ArgumentException>(() => AgentAddress.Parse("unix:/run/x.sock").WithEndPoint(IPAddress.Loopback));
    }
}
