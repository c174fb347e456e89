using System.Net;

namespace SideEye.Testing.Agents;

/// <summary>
/// Two network namespaces of this test's own, "agent" and "client", joined by a veth pair with private addresses
/// (10.231.N.1 on the agent's side, .2 on the client's), for tests that must cut a link: nothing here reaches any
/// other network. Commands run inside with <see cref="InAgent"/> and <see cref="InClient"/>; Dispose deletes both
/// namespaces, and the pair with them. A test process killed before its Dispose leaves its namespaces behind; they
/// carry its pid, so the next pair sweeps those of processes that are gone.
/// </summary>
public sealed class NetworkPair : IDisposable
{
    readonly int _n = Random.Shared.Next(1, 250);
    readonly string _id = Guid.NewGuid().ToString("N")[..6];

    static readonly string Owner = Environment.ProcessId.ToString();

    public string AgentNamespace => $"se-a-{Owner}-{_id}";
    public string ClientNamespace => $"se-c-{Owner}-{_id}";
    /// <summary>The agent side's interface (in the agent's namespace): take it down to cut the link.</summary>
    public string AgentLink => $"sea{_id}";
    public IPAddress AgentAddress => IPAddress.Parse($"10.231.{_n}.1");
    public IPAddress ClientAddress => IPAddress.Parse($"10.231.{_n}.2");

    public NetworkPair()
    {
        Requires.Root();
        SweepOrphans();
        try
        {
            Ip("netns", "add", AgentNamespace);
            Ip("netns", "add", ClientNamespace);
            Ip("link", "add", AgentLink, "type", "veth", "peer", "name", $"sec{_id}");
            Ip("link", "set", AgentLink, "netns", AgentNamespace);
            Ip("link", "set", $"sec{_id}", "netns", ClientNamespace);
            Ip("-n", AgentNamespace, "addr", "add", $"{AgentAddress}/24", "dev", AgentLink);
            Ip("-n", ClientNamespace, "addr", "add", $"{ClientAddress}/24", "dev", $"sec{_id}");
            foreach (var (ns, link) in new[] { (AgentNamespace, AgentLink), (ClientNamespace, $"sec{_id}") })
            {
                Ip("-n", ns, "link", "set", "lo", "up");
                Ip("-n", ns, "link", "set", link, "up");
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public IReadOnlyList<string> InAgent => ["ip", "netns", "exec", AgentNamespace];
    public IReadOnlyList<string> InClient => ["ip", "netns", "exec", ClientNamespace];

    public void CutLink() => Ip("-n", AgentNamespace, "link", "set", AgentLink, "down");

    public static void Ip(params string[] args) => ExternalTool.Run("ip", args);

    /// <summary>Deletes namespaces left by test processes that no longer exist (their veth pairs go with them).</summary>
    static void SweepOrphans()
    {
        const string NamespaceDirectory = "/run/netns";
        if (!Directory.Exists(NamespaceDirectory)) return;
        foreach (var path in Directory.EnumerateFiles(NamespaceDirectory, "se-*"))
        {
            var parts = Path.GetFileName(path).Split('-');
            if (parts.Length != 4 || !int.TryParse(parts[2], out var owner)) continue;
            if (Directory.Exists($"/proc/{owner}")) continue;
            try { Ip("netns", "del", Path.GetFileName(path)); }
            catch (InvalidOperationException) { } // another sweeper got there first
        }
    }

    public void Dispose()
    {
        foreach (var ns in new[] { AgentNamespace, ClientNamespace })
        {
            try { Ip("netns", "del", ns); }
            catch (InvalidOperationException) { } // never made
        }
    }
}
