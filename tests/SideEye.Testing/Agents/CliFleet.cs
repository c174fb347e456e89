using System.Net;

namespace SideEye.Testing.Agents;

/// <summary>
/// A fleet's certificates made the way a team makes them, with <c>sideeye certs ca</c> and <c>sideeye certs issue</c>,
/// in a temporary folder: the CA, agent certificates for given addresses, and one client certificate. Dispose deletes them.
/// </summary>
public sealed class CliFleet : IAgentCertificates, IDisposable
{
    public string Folder { get; } = Directory.CreateTempSubdirectory("sideeye-clifleet-").FullName;
    public string AuthorityPath => Path.Combine(Folder, "ca.pem");
    public string ClientCertificate => Path.Combine(Folder, "alice.pem");
    public string ClientKey => Path.Combine(Folder, "alice.key");

    public CliFleet()
    {
        Certs("ca", "--out", Folder);
        Certs("issue", "--ca", Folder, "--name", "alice", "--role", "client", "--out", Folder);
    }

    public (string Certificate, string Key) Agent(string name, IPAddress address)
    {
        Certs("issue", "--ca", Folder, "--name", name, "--role", "agent", "--ip", address.ToString(), "--out", Folder);
        return (Path.Combine(Folder, name + ".pem"), Path.Combine(Folder, name + ".key"));
    }

    static void Certs(params string[] args)
    {
        var (code, stdout, stderr) = SideEyeRun.Run(["certs", .. args]);
        if (code != 0) throw new InvalidOperationException($"sideeye certs {string.Join(' ', args)}: {stdout} {stderr}");
    }

    public void Dispose() => Directory.Delete(Folder, recursive: true);
}
