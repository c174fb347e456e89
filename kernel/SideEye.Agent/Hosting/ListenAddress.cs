using System.Net;
using System.Text.RegularExpressions;

namespace SideEye.Agent.Hosting;

/// <summary>
/// Where the agent listens: <c>https://IP:PORT</c> (TLS 1.3 with client certificates, always) or <c>unix:PATH</c>
/// (a socket only root, or a configured group, may open; peer credentials are checked). Parsed strictly: one
/// line naming the address and what is wrong with it.
/// </summary>
public sealed partial record ListenAddress
{
    /// <summary>Where the agent listens when nothing is said: a Unix socket only root can reach.</summary>
    public const string DefaultSocket = Remote.Connection.AgentAddress.DefaultSocketPath;

    public IPEndPoint? Tcp { get; private init; }
    public string? UnixPath { get; private init; }

    public bool IsUnix => UnixPath is not null;

    public static ListenAddress Unix(string path) => new() { UnixPath = path };

    public static ListenAddress Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.StartsWith("unix:", StringComparison.Ordinal))
        {
            var path = text["unix:".Length..];
            if (!Path.IsPathFullyQualified(path)) throw Bad(text, "a Unix socket needs an absolute path (unix:/run/sideeye/agent.sock)");
            return Unix(path);
        }
        if (!text.StartsWith("https://", StringComparison.Ordinal))
            throw Bad(text, "say https://IP:PORT or unix:PATH (the agent speaks only TLS over TCP)");
        var m = HttpsAddress().Match(text);
        if (!m.Success || !int.TryParse(m.Groups["port"].Value, out var port) || port is < 1 or > 65535)
            throw Bad(text, "say https://IP:PORT, with a port from 1 to 65535");
        if (!IPAddress.TryParse(m.Groups["host"].Value, out var ip))
            throw Bad(text, "listen on an IP address (a name could resolve to an address the agent should not listen on)");
        return new ListenAddress { Tcp = new IPEndPoint(ip, port) };
    }

    public override string ToString() => IsUnix ? $"unix:{UnixPath}" : $"https://{(Tcp!.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{Tcp.Address}]" : Tcp.Address)}:{Tcp.Port}";

    [GeneratedRegex(@"^https://(\[(?<host>[0-9a-fA-F:.]+)\]|(?<host>[^:/\[\]]+)):(?<port>\d+)/?$")]
    private static partial Regex HttpsAddress();

    static AgentStartupException Bad(string text, string why) => new($"--listen {text}: {why}");
}
