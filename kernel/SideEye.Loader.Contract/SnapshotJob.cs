using SideEye.Bpf;

namespace SideEye.Loader.Contract;

/// <summary>
/// Everything the privileged half needs to take one snapshot of one process, and nothing it would have to
/// understand: a BPF program with its maps and their initial entries, where to attach it, and the
/// <see cref="ProbeProtocol"/> by which it is armed, fed registers and heard from. Built by the unprivileged half
/// from the binary (binary analysis and code generation stay there); kernel-free, so a remote agent can receive it.
/// </summary>
public sealed record SnapshotJob
{
    public required int Pid { get; init; }
    public required ProgramSpec Program { get; init; }
    public required IReadOnlyList<MapSpec> Maps { get; init; }
    /// <summary>Entries written into the maps after they are created, before the program is loaded.</summary>
    public IReadOnlyList<MapEntry> MapEntries { get; init; } = [];
    /// <summary>The uprobe that runs the program; it is restricted to <see cref="TriggerThreadId"/>.</summary>
    public required UprobeSite Trigger { get; init; }
    public required ProbeProtocol Protocol { get; init; }
    /// <summary>The thread made to take <see cref="ProbeProtocol.TriggerSignal"/>; default the main thread (tid == pid).</summary>
    public int? TriggerThreadId { get; init; }
    /// <summary>What the program needs of the kernel, checked before anything is loaded so an old kernel gets a clear error.</summary>
    public IReadOnlyList<Bpf.Features.KernelFeature> RequiredFeatures { get; init; } = [];
    /// <summary>The longest the target may stay stopped; the pause's watchdog enforces it.</summary>
    public TimeSpan MaxPause { get; init; } = TimeSpan.FromMilliseconds(500);

    public int TriggerTid => TriggerThreadId ?? Pid;
}
