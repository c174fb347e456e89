namespace SideEye.Probes.Records;

/// <summary>
/// The probe's closing record: how far the walk over runtime.allgs got. A snapshot is complete only when
/// this record arrived, nothing was dropped and no flag is set (<see cref="IsComplete"/>).
/// </summary>
public sealed record SnapshotSummary(long AllGLen, long Seen, long Emitted, long Dropped, ulong StartNs, ulong EndNs, ulong Generation, SummaryFlags Flags = SummaryFlags.None)
{
    /// <summary>Time the probe spent inside the target's thread, from bpf_ktime_get_ns.</summary>
    public ulong ProbeNs => EndNs - StartNs;
    public bool IsComplete => Dropped == 0 && Flags == SummaryFlags.None;
}
