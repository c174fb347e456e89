using SideEye.Probes.Records;

namespace SideEye.Probes;

/// <summary>
/// One run of the snapshot probe. <see cref="Summary"/> is null when the probe's closing record never arrived
/// (no hit within the timeout, or the ring buffer refused it); <see cref="Truncated"/> is then true, as it is
/// when any record was dropped: a snapshot is never silently partial.
/// </summary>
public sealed record SnapshotResult(IReadOnlyList<GoroutineRecord> Goroutines, SnapshotSummary? Summary, ulong DroppedTotal)
{
    public bool Truncated => Summary is null || !Summary.IsComplete || Summary.Emitted != Goroutines.Count;
    /// <summary>Time spent inside the target's thread (bpf_ktime_get_ns), or null without a summary.</summary>
    public ulong? ProbeNs => Summary?.ProbeNs;
}
