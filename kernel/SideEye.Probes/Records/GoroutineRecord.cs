using SideEye.GoRuntime.Goroutines;

namespace SideEye.Probes.Records;

/// <summary>One decoded goroutine record: the g's fields, its frame-pointer PCs (innermost first) and flags.</summary>
public sealed record GoroutineRecord(GoroutineState State, IReadOnlyList<ulong> Pcs, GoroutineFlags Flags)
{
    public bool Truncated => Flags.HasFlag(GoroutineFlags.Truncated);
}
