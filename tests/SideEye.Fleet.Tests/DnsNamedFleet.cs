using System.Net;
using System.Security.Cryptography.X509Certificates;
using SideEye.Remote.Certificates;
using SideEye.Testing.Agents;

namespace SideEye.Fleet.Tests;

/// <summary>
/// A fleet's certificates as a DaemonSet's are made: every agent's certificate names the DNS names clients use for
/// the whole set (no address at all), so a client that dials one pod's address must check the name, not the address.
/// The CA, the agents' and a client's (alice) certificates sit in one temporary folder, beside the fleet file the
/// test writes there; Dispose deletes it.
/// </summary>
public sealed class DnsNamedFleet : IAgentCertificates, IDisposable
{
    readonly X509Certificate2 _authority = FleetAuthority.CreateAuthority("SideEye fleet file test CA", 2);
    readonly IReadOnlyList<string> _names;

    public string Folder { get; } = Directory.CreateTempSubdirectory("sideeye-dnsfleet-").FullName;
    public string AuthorityPath { get; }

    public DnsNamedFleet(params string[] names)
    {
        _names = names;
        AuthorityPath = FleetAuthority.Write(_authority, Folder, "ca").Certificate;
        FleetAuthority.Write(FleetAuthority.Issue(_authority, "alice", CertificateRole.Client, [], [], 2), Folder, "alice");
    }

    /// <summary>An agent's certificate naming the fleet's DNS names only; <paramref name="address"/> is left out on purpose.</summary>
    public (string Certificate, string Key) Agent(string name, IPAddress address) =>
        FleetAuthority.Write(FleetAuthority.Issue(_authority, name, CertificateRole.Agent, [], _names, 2), Folder, name);

    /// <summary>Writes a fleet file into the folder whose tls block names the certificates by paths relative to it.</summary>
    public string WriteFleetFile(string agentsJson)
    {
        var path = Path.Combine(Folder, "fleet.json");
        File.WriteAllText(path, $$"""
            { "version": 1,
              "tls": { "cert": "alice.pem", "key": "alice.key", "ca": "ca.pem" },
              "agents": {{agentsJson}} }
            """);
        return path;
    }

    public void Dispose()
    {
        _authority.Dispose();
        Directory.Delete(Folder, recursive: true);
    }
}
