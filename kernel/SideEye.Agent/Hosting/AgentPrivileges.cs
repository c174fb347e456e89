using SideEye.Loader.Privileges;

namespace SideEye.Agent.Hosting;

/// <summary>
/// The capabilities the agent runs with, and why each: the deployment files (systemd's CapabilityBoundingSet, the
/// DaemonSet's capabilities) list exactly <see cref="All"/>, and a test holds them to it.
/// </summary>
public static class AgentPrivileges
{
    /// <summary>Without any of these no snapshot can be taken: the agent refuses to start.</summary>
    public static IReadOnlyDictionary<Capability, string> Required { get; } = new Dictionary<Capability, string>
    {
        [Capability.Bpf] = "create maps and load the probe",
        [Capability.Perfmon] = "attach the probe as a uprobe",
        [Capability.SysPtrace] = "pause other users' processes and read their memory and executables",
        [Capability.DacReadSearch] = "read executables only their owners may read",
        [Capability.Kill] = "send the trigger signal (SIGURG) to other users' processes",
    };

    /// <summary>Used when present: the agent works without them, less well.</summary>
    public static IReadOnlyDictionary<Capability, string> Helpful { get; } = new Dictionary<Capability, string>
    {
        [Capability.SysNice] = "raise the pausing thread's priority, which keeps pauses short on a busy machine",
        [Capability.Chown] = "give the Unix socket to --group",
    };

    public static IEnumerable<Capability> All => Required.Keys.Concat(Helpful.Keys);
}
