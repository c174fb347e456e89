using SideEye.Loader.Privileges;

namespace SideEye.Agent.Hosting;

/// <summary>
/// The capabilities the agent runs with, and why each: the deployment files (systemd's CapabilityBoundingSet, the
/// DaemonSet's capabilities) list exactly <see cref="All"/>, and tests hold them to it (an agent with only these
/// snapshots another user's process). CAP_BPF and CAP_PERFMON are not among them: the kernel asks CAP_SYS_ADMIN to
/// attach a uprobe through the perf uprobe PMU (perf_uprobe_event_init), and CAP_SYS_ADMIN also passes every check
/// CAP_BPF and CAP_PERFMON would (measured on 6.18: with CAP_BPF and CAP_PERFMON instead, attaching fails EACCES).
/// </summary>
public static class AgentPrivileges
{
    /// <summary>Without any of these no snapshot can be taken: the agent refuses to start.</summary>
    public static IReadOnlyDictionary<Capability, string> Required { get; } = new Dictionary<Capability, string>
    {
        [Capability.SysAdmin] = "create maps, load the probe and attach it through the uprobe PMU",
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
