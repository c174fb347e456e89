namespace SideEye.Probes.Records;

/// <summary>
/// The probe's closing record: how far the walk over runtime.allgs got. A snapshot is complete only when
/// this record arrived, nothing was dropped and no flag is set (<see cref="IsComplete"/>).
/// </summary>
public sealed record SnapshotSummary(long AllGLen, long Seen, long Emitted, long Dropped, ulong StartNs, ulong EndNs, ulong Generation, SummaryFlags Flags = SummaryFlags.None, long Unreadable = 0)
{
    /// <summary>Time the probe spent inside the target's thread, from bpf_ktime_get_ns.</summary>
    public ulong ProbeNs => EndNs - StartNs;
    public bool IsComplete => Shortfall is null;

    /// <summary>How the probe's reads of memory that was not resident went.</summary>
    public MissedReadCounts Reads { get; init; } = MissedReadCounts.None;

    /// <summary>Why the snapshot is partial, in one line; null when complete.</summary>
    public string? Shortfall
    {
        get
        {
            var why = new List<string>();
            if (Flags.HasFlag(SummaryFlags.AllGsUnreadable)) why.Add("runtime.allgs could not be read in the target");
            if (Flags.HasFlag(SummaryFlags.Clamped)) why.Add($"only the first goroutines of {AllGLen} were walked (the probe's goroutine limit)");
            if (Unreadable > 0) why.Add($"{Unreadable} of {AllGLen} goroutines could not be read (memory not resident?)");
            if (Dropped > 0) why.Add($"{Dropped} goroutine records did not fit the ring buffer");
            if ((Flags & ~(SummaryFlags.AllGsUnreadable | SummaryFlags.Clamped | SummaryFlags.FaultBudgetSpent)) is var other and not SummaryFlags.None) why.Add($"the probe reported flags 0x{(uint)other:x}");
            return why.Count == 0 ? null : string.Join("; ", why);
        }
    }
}
