namespace SideEye.Snapshots.Model;

/// <summary>One goroutine as the decoder reports it.</summary>
/// <param name="Status">The runtime's status, e.g. "waiting", "running", "syscall".</param>
/// <param name="WaitReason">The runtime's wait reason as Go prints it ("chan receive"), when waiting.</param>
/// <param name="WaitSinceNs">runtime.g.waitsince (nanotime), when known.</param>
/// <param name="ThreadId">The OS thread running or locked to the goroutine, if any.</param>
/// <param name="Frames">Innermost first: Frames[0] is depth 0.</param>
/// <param name="Labels">pprof labels, or null when the goroutine has none.</param>
/// <param name="Truncated">The stack went on beyond the frame limit: Frames is its innermost part.</param>
public sealed record GoroutineRecord(
    long Goid,
    string Status,
    string? WaitReason,
    long? WaitSinceNs,
    int? ThreadId,
    long? CreatedByGoid,
    string? CreatedByFunc,
    string? StartFunc,
    IReadOnlyList<StackFrame> Frames,
    IReadOnlyDictionary<string, string>? Labels,
    bool Truncated = false);
