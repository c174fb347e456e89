using SideEye.GoRuntime.Goroutines;

namespace SideEye.Probes.Records;

/// <summary>One decoded goroutine record: the g's fields, its frame-pointer PCs (innermost first), flags and pprof labels (null: none).</summary>
public sealed record GoroutineRecord(GoroutineState State, IReadOnlyList<ulong> Pcs, GoroutineFlags Flags, IReadOnlyDictionary<string, string>? Labels = null)
{
    public bool Truncated => Flags.HasFlag(GoroutineFlags.Truncated);
}
