namespace SideEye.Agent.Hosting;

/// <summary>
/// How an agent is started (the options of <c>sideeye agent</c>): where it listens, its certificates, its policy,
/// its audit log and the caps it puts on what clients may ask. <see cref="AgentHost"/> checks them all before it
/// listens: a bad option is a one-line error, never a half-working agent.
/// </summary>
public sealed record AgentOptions
{
    /// <summary>Listeners; none: <see cref="ListenAddress.DefaultSocket"/>.</summary>
    public IReadOnlyList<ListenAddress> Listen { get; init; } = [];
    /// <summary>The agent's certificate and key (PEM), presented on every TCP listener.</summary>
    public string? CertificatePath { get; init; }
    public string? KeyPath { get; init; }
    /// <summary>The fleet CA (PEM): the one trust root for client certificates.</summary>
    public string? ClientCaPath { get; init; }
    /// <summary>
    /// Executables that may be snapshotted, by path (a pattern with '/') or file name; '*' and '?' are wildcards.
    /// None: every Go process.
    /// </summary>
    public IReadOnlyList<string> Allow { get; init; } = [];
    /// <summary>A file to append the audit log to (one JSON line a request), besides the agent's log.</summary>
    public string? AuditPath { get; init; }
    /// <summary>A group whose members may use the Unix socket (mode 0660) besides root; null: root only (0600).</summary>
    public string? SocketGroup { get; init; }
    /// <summary>The longest pause a job may ask for.</summary>
    public TimeSpan MaxPause { get; init; } = TimeSpan.FromSeconds(1);
    /// <summary>The most memory one job's maps may take (ring buffer included).</summary>
    public ulong MaxMapBytes { get; init; } = 1UL << 30;
    /// <summary>The most processes one Snapshot call may name.</summary>
    public int MaxJobsPerCall { get; init; } = 64;
    /// <summary>A loaded probe that no call has used for this long is unloaded.</summary>
    public TimeSpan ProbeIdle { get; init; } = TimeSpan.FromMinutes(10);

    public IReadOnlyList<ListenAddress> Listeners => Listen.Count > 0 ? Listen : [ListenAddress.Unix(ListenAddress.DefaultSocket)];

    public bool HasTcp => Listeners.Any(l => !l.IsUnix);
}
