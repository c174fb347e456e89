namespace SideEye.Probes.Records;

/// <summary>
/// The probe's reads of the target's memory that missed (bpf_probe_read_user failed: the page was not resident, or
/// not mapped at all), how many of them were read after all by faulting the page in, the time those retries took,
/// and whether the fault budget ran out so that later misses were not retried.
/// </summary>
public sealed record MissedReadCounts(long Missed, long Faulted, long FaultNs, bool BudgetSpent)
{
    public static MissedReadCounts None { get; } = new(0, 0, 0, false);

    /// <summary>Misses that stayed unread: not resident after the budget, or not mapped.</summary>
    public long Unread => Missed - Faulted;

    /// <summary>One line for a person, or null when every read hit.</summary>
    public string? Describe() => Missed == 0 ? null
        : $"{Missed} reads missed resident memory, {Faulted} of them read by faulting pages in ({FaultNs / 1e6:0.###} ms)"
          + (BudgetSpent ? "; the fault budget ran out before the rest" : "");
}
