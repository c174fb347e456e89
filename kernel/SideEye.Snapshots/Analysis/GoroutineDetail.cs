namespace SideEye.Snapshots.Analysis;

/// <summary>
/// Everything a stored snapshot holds about one goroutine: its state as runtime.Stack would head it, who made
/// it, its pprof labels, and its frames with their captured values.
/// </summary>
/// <param name="Waited">How long it had waited when the snapshot was taken, when the runtime recorded a wait start.</param>
/// <param name="Labels">pprof labels as a JSON object, or null.</param>
/// <param name="Truncated">The stack went on beyond the snapshot's frame limit.</param>
public sealed record GoroutineDetail(
    long SnapshotId, string Host, int Pid, string Exe, long Goid, string Status, string? WaitReason, TimeSpan? Waited, int? ThreadId,
    long? CreatedByGoid, string? CreatedByFunc, string? StartFunc, string? Labels, bool Truncated, IReadOnlyList<GoroutineFrame> Frames)
{
    /// <summary>The rows the spec's links lead to from it (its report rows joined across processes and machines); empty without links.</summary>
    public IReadOnlyList<Reports.LinkedRow> Linked { get; init; } = [];

    /// <summary>The header runtime.Stack prints for it, e.g. "goroutine 7 [chan receive, 3 minutes]".</summary>
    public string Header
    {
        get
        {
            var state = WaitReason ?? Status;
            var minutes = Waited is { TotalMinutes: >= 1 } w ? $", {(int)w.TotalMinutes} minutes" : "";
            return $"goroutine {Goid} [{state}{minutes}]";
        }
    }
}
