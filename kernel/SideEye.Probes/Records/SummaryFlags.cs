namespace SideEye.Probes.Records;

/// <summary>Bits of a summary record's flags word: any set bit means the walk did not cover every goroutine.</summary>
[Flags]
public enum SummaryFlags : uint
{
    None = 0,
    /// <summary>runtime.allgs or runtime.allglen could not be read: nothing was walked.</summary>
    AllGsUnreadable = 1,
    /// <summary>allglen exceeded the plan's MaxGoroutines; only that many entries were walked.</summary>
    Clamped = 2,
}
