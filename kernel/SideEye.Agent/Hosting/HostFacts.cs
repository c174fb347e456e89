using System.Globalization;
using SideEye.Bpf.Features;
using SideEye.Loader.Contract;
using SideEye.Loader.Privileges;

namespace SideEye.Agent.Hosting;

/// <summary>
/// What the agent knows of its machine and of itself: hostname, kernel, the kernel features snapshot probes need
/// and whether each is there, its credentials and capabilities, Yama's ptrace_scope and perf_event_paranoid. Read
/// at start (<see cref="Problems"/> decides whether it may run at all) and for every Info call.
/// </summary>
public sealed record HostFacts(
    string Hostname,
    string KernelRelease,
    ProcessCredentials Own,
    int? PtraceScope,
    int? PerfEventParanoid,
    IReadOnlyList<(KernelFeature Feature, string? Missing)> Features)
{
    public static HostFacts Read() => new(
        ReadText("/proc/sys/kernel/hostname") ?? Environment.MachineName,
        ReadText("/proc/sys/kernel/osrelease") ?? Environment.OSVersion.Version.ToString(),
        ProcessCredentials.Own(),
        ReadInt("/proc/sys/kernel/yama/ptrace_scope"),
        ReadInt("/proc/sys/kernel/perf_event_paranoid"),
        ProbeRequirements.Features.Select(f => (f, Probe(f))).ToArray());

    /// <summary>The capabilities a snapshot needs that the agent lacks (root has them all unless a bounding set took some).</summary>
    public IReadOnlyList<Capability> MissingCapabilities => AgentPrivileges.Required.Keys.Where(c => !Own.Effective.Contains(c)).ToArray();

    /// <summary>Why the agent cannot take snapshots here, one line each; empty when it can.</summary>
    public IEnumerable<string> Problems()
    {
        if (MissingCapabilities.Count > 0)
            yield return $"the agent lacks {string.Join(", ", MissingCapabilities.Select(c => $"{CapabilitySet.Name(c)} (to {AgentPrivileges.Required[c]})"))}: run it as root or grant them";
        if (PtraceScope == 3)
            yield return "kernel.yama.ptrace_scope is 3: no process may be traced until the next boot, so no target can be paused";
        foreach (var (feature, missing) in Features)
            if (missing is not null) yield return missing;
    }

    static string? Probe(KernelFeature feature)
    {
        try { return KernelFeatures.Probe(feature)?.Message; }
        catch (Bpf.BpfException e) { return $"cannot tell whether the kernel has {KernelFeatures.Describe(feature)}: {e.Message}"; }
    }

    static int? ReadInt(string path) => int.TryParse(ReadText(path), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v) ? v : null;

    static string? ReadText(string path)
    {
        try { return File.ReadAllText(path).Trim(); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }
}
