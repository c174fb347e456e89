namespace SideEye.Probes.Records;

/// <summary>Bits of a summary record's flags word: any set bit but <see cref="FaultBudgetSpent"/> means the walk did not cover every goroutine.</summary>
[Flags]
public enum SummaryFlags : uint
{
    None = 0,
    /// <summary>runtime.allgs or runtime.allglen could not be read: nothing was walked.</summary>
    AllGsUnreadable = 1,
    /// <summary>allglen exceeded the plan's MaxGoroutines; only that many entries were walked.</summary>
    Clamped = 2,
    /// <summary>A read missed after the fault budget's deadline, so it was not retried by faulting pages in (what it
    /// left out is counted where it shows: unreadable goroutines, unread values).</summary>
    FaultBudgetSpent = 4,
}
