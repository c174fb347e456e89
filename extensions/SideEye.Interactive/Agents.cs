using SideEye.Remote.Connection;
using SideEye.Snapshots.Collection;

namespace SideEye.Interactive;

/// <summary>
/// The agents a notebook session talks to, one connection and one <see cref="RemoteSnapshotter"/> per address for
/// the session's life (so the agent keeps its probes loaded for it), and the one <c>#!sideeye connect</c> made
/// current. The notebook's kernel never needs root: the agent is the privileged side.
/// </summary>
/// <param name="binaries">The session's opened executables, shared by every agent's snapshotter.</param>
sealed class Agents(OpenedBinaries binaries) : IDisposable
{
    sealed record Link(AgentConnection Connection, RemoteSnapshotter Snapshotter);

    readonly Dictionary<string, Link> _links = new(StringComparer.Ordinal);
    AgentCredentials? _credentials;

    /// <summary>The agent <c>#!sideeye connect</c> named, or null: this machine.</summary>
    public RemoteSnapshotter? Current { get; private set; }

    /// <summary>
    /// The snapshotter for <paramref name="url"/> (made on first use, with the credentials connect was given, else
    /// those in SIDEEYE_CERT, SIDEEYE_KEY and SIDEEYE_CA), or the current agent when no url is given.
    /// </summary>
    public RemoteSnapshotter? For(string? url, int maxFrames) => url is null ? Current : Open(url, null, null, null, maxFrames);

    /// <summary>Makes the agent at <paramref name="url"/> the current one for the rest of the session.</summary>
    public RemoteSnapshotter Connect(string url, string? name, AgentCredentials? credentials, TimeSpan? timeout, int maxFrames) =>
        Current = Open(url, name, credentials, timeout, maxFrames, replace: true);

    /// <summary>Back to this machine; the agents' connections stay for --agent.</summary>
    public void Disconnect() => Current = null;

    RemoteSnapshotter Open(string url, string? name, AgentCredentials? credentials, TimeSpan? timeout, int maxFrames, bool replace = false)
    {
        var address = AgentAddress.Parse(url);
        var key = $"{address}\0{maxFrames}";
        if (_links.TryGetValue(key, out var link) && !replace) return link.Snapshotter;
        if (credentials is not null) _credentials = credentials;
        var connection = AgentConnection.Open(address, address.IsUnix ? null : _credentials ?? AgentCredentials.From(null, null, null), timeout);
        var snapshotter = new RemoteSnapshotter(connection, binaries: binaries) { Name = name ?? (link?.Snapshotter.Name), MaxFrames = maxFrames };
        if (link is not null) Close(link);
        _links[key] = new Link(connection, snapshotter);
        return snapshotter;
    }

    static void Close(Link link)
    {
        link.Snapshotter.Dispose();
        link.Connection.Dispose();
    }

    public void Dispose()
    {
        foreach (var link in _links.Values) Close(link);
        _links.Clear();
    }
}
