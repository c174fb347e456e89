using System.Net;
using System.Text.RegularExpressions;

namespace SideEye.Remote.Connection;

/// <summary>
/// Where a client reaches an agent: <c>https://HOST:PORT</c> (TLS with the fleet's certificates; HOST a name or an
/// address the agent's certificate names) or <c>unix:PATH</c> (the agent's socket on this machine). An https address
/// may carry an <see cref="EndPoint"/>: the client connects there but still checks the agent's certificate for
/// <see cref="Host"/> (one of the several agents a DNS name stands for).
/// </summary>
public sealed partial record AgentAddress
{
    /// <summary>Where an agent listens on its machine unless told otherwise: a Unix socket only root (and its group) may open.</summary>
    public const string DefaultSocketPath = "/run/sideeye/agent.sock";

    public string Text { get; private init; } = "";
    public string? Host { get; private init; }
    public int Port { get; private init; }
    public string? UnixPath { get; private init; }

    /// <summary>Where to connect instead of resolving <see cref="Host"/>; null: resolve it when connecting.</summary>
    public IPEndPoint? EndPoint { get; private init; }

    public bool IsUnix => UnixPath is not null;

    /// <summary>The https URL to dial: an IPv6 address goes in brackets, as in the address the user wrote.</summary>
    public string? Url => IsUnix ? null : Host!.Contains(':', StringComparison.Ordinal) ? $"https://[{Host}]:{Port}" : $"https://{Host}:{Port}";

    public static AgentAddress Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.StartsWith("unix:", StringComparison.Ordinal))
        {
            var path = text["unix:".Length..];
            return Path.IsPathFullyQualified(path) ? new AgentAddress { Text = text, UnixPath = path }
                : throw new SideEyeException($"agent {text}: a Unix socket needs an absolute path (unix:/run/sideeye/agent.sock)");
        }
        var m = Https().Match(text);
        if (!m.Success || !int.TryParse(m.Groups["port"].Value, out var port) || port is < 1 or > 65535)
            throw new SideEyeException($"agent {text}: say https://HOST:PORT or unix:PATH");
        return new AgentAddress { Text = text.TrimEnd('/'), Host = m.Groups["host"].Value, Port = port };
    }

    /// <summary>
    /// This address, connected at <paramref name="address"/> (one of those <see cref="Host"/> resolves to) while the
    /// agent's certificate must still name <see cref="Host"/>.
    /// </summary>
    public AgentAddress WithEndPoint(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (IsUnix) throw new ArgumentException($"agent {Text}: a Unix socket has no network end point", nameof(address));
        return this with { EndPoint = new IPEndPoint(address, Port) };
    }

    public override string ToString() => EndPoint is null ? Text : $"{Text} at {EndPoint}";

    [GeneratedRegex(@"^https://(\[(?<host>[0-9a-fA-F:.]+)\]|(?<host>[A-Za-z0-9.\-]+)):(?<port>\d+)/?$")]
    private static partial Regex Https();
}
