using System.Net;

namespace SideEye.Testing.Agents;

/// <summary>Where an agent's certificate comes from: a fleet's CA, which also checks the clients.</summary>
public interface IAgentCertificates
{
    /// <summary>The fleet CA (PEM).</summary>
    string AuthorityPath { get; }

    /// <summary>A new agent certificate and key (PEM files) naming <paramref name="address"/>.</summary>
    (string Certificate, string Key) Agent(string name, IPAddress address);
}
