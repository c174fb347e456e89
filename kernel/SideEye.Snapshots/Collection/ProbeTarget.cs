namespace SideEye.Snapshots.Collection;

/// <summary>
/// One process to snapshot as the unprivileged half needs it, read where it runs (this machine's /proc, or an
/// agent's answer): which process (pid and start ticks), which executable, where it is mapped, how many goroutines
/// its runtime has allocated (to size the ring buffer), and the path the privileged half attaches the trigger to.
/// </summary>
/// <param name="Host">The machine, as the snapshot records it.</param>
/// <param name="Exe">The executable as /proc/PID/exe names it there.</param>
/// <param name="TriggerPath">The path of the executable on the machine that loads the probe.</param>
/// <param name="Goroutines">runtime.allglen, or null when it could not be read.</param>
public sealed record ProbeTarget(string Host, int Pid, ulong StartTicks, string Exe, string TriggerPath, ulong LoadBias, long? Goroutines)
{
    /// <summary>The pid inside its own PID namespace (a container) when that differs, else null.</summary>
    public int? NamespacePid { get; init; }
    /// <summary>Its control group (the container), or null in the root one.</summary>
    public string? Cgroup { get; init; }
}
