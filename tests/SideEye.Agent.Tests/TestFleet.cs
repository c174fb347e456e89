using System.Net;
using System.Security.Cryptography.X509Certificates;
using SideEye.Remote.Certificates;
using SideEye.Remote.Connection;
using SideEye.Testing.Agents;

namespace SideEye.Agent.Tests;

/// <summary>
/// A fleet's certificates for a test, in a temporary folder: the fleet CA, certificates for agents at given
/// addresses, a client certificate, and the wrong ones a refused client might bring (from another CA, expired, an
/// agent's certificate used as a client's, which need a CA valid since last week). Made with the code behind
/// <c>sideeye certs</c>. Dispose deletes them.
/// </summary>
public sealed class TestFleet : IAgentCertificates, IDisposable
{
    readonly X509Certificate2 _authority;

    public string Folder { get; } = Directory.CreateTempSubdirectory("sideeye-fleet-").FullName;
    public string AuthorityPath { get; }

    public TestFleet()
    {
        // Valid from a week ago, so an expired client certificate can be issued from it.
        _authority = FleetAuthority.CreateAuthority("SideEye test fleet CA", 10, DateTimeOffset.UtcNow.AddDays(-7));
        AuthorityPath = FleetAuthority.Write(_authority, Folder, "ca").Certificate;
        Client = IssueClient("alice");
    }

    /// <summary>The ordinary client: certificate, key and the fleet CA.</summary>
    public AgentCredentials Client { get; }

    /// <summary>A sideeye process's environment as the ordinary client: its certificate, key and CA, and an executable cache of its own.</summary>
    public IReadOnlyDictionary<string, string> ClientEnvironment(string cache) => new Dictionary<string, string>
    {
        ["SIDEEYE_CERT"] = Client.CertificatePath,
        ["SIDEEYE_KEY"] = Client.KeyPath,
        ["SIDEEYE_CA"] = Client.AuthorityPath,
        ["SIDEEYE_CACHE"] = cache,
    };

    public (string Certificate, string Key) Agent(string name, IPAddress address) => Agent(name, [address]);

    public (string Certificate, string Key) Agent(string name, IPAddress[] addresses) =>
        FleetAuthority.Write(FleetAuthority.Issue(_authority, name, CertificateRole.Agent, addresses, [], 2), Folder, name);

    public AgentCredentials IssueClient(string name, DateTimeOffset? notBefore = null, int days = 2)
    {
        var (certificate, key) = FleetAuthority.Write(FleetAuthority.Issue(_authority, name, CertificateRole.Client, [], [], days, notBefore), Folder, name);
        return new AgentCredentials(certificate, key, AuthorityPath);
    }

    /// <summary>A client certificate issued by another CA, with this fleet's CA to check agents by.</summary>
    public AgentCredentials FromAnotherAuthority(string name)
    {
        var other = FleetAuthority.CreateAuthority("Some other CA", 2);
        var (certificate, key) = FleetAuthority.Write(FleetAuthority.Issue(other, name, CertificateRole.Client, [], [], 2), Folder, name);
        return new AgentCredentials(certificate, key, AuthorityPath);
    }

    /// <summary>An agent's certificate (server authentication only) offered as a client's.</summary>
    public AgentCredentials ServerCertificateAsClient(string name)
    {
        var (certificate, key) = Agent(name, IPAddress.Loopback);
        return new AgentCredentials(certificate, key, AuthorityPath);
    }

    public void Dispose()
    {
        _authority.Dispose();
        Directory.Delete(Folder, recursive: true);
    }
}
