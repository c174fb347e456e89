namespace SideEye.Testing;

/// <summary>One goroutine of a runtime.Stack(buf, true) dump, as Go printed it.</summary>
/// <param name="Status">
/// The status or wait reason as printed ("chan receive", "running", "sync.Mutex.Lock", "chan receive (durable)"),
/// without the " (scan)" and " (leaked)" markers, which are flags of their own.
/// </param>
/// <param name="WaitMinutes">", N minutes": how long the goroutine has been blocked; 0 when not printed.</param>
/// <param name="Frames">Innermost first, as printed (runtime frames are hidden by Go unless GOTRACEBACK=system).</param>
/// <param name="CreatedByGoid">From "created by F in goroutine N" (Go 1.21+); null before 1.21 and for goroutine 1.</param>
/// <param name="CreatedAt">The file:line line under "created by".</param>
/// <param name="Elided">"...additional frames elided..." (before 1.21) or "...N frames elided..." (1.21+) was printed.</param>
/// <param name="ElidedFrames">N of "...N frames elided..."; null when the dump does not say.</param>
/// <param name="SynctestBubble">", synctest group N" (1.24) or ", synctest bubble N" (1.25+).</param>
/// <param name="Labels">" labels:{…}" (1.26+ with GODEBUG=tracebacklabels=1).</param>
/// <param name="StackUnavailable">"goroutine running on other thread; stack unavailable" instead of frames.</param>
/// <param name="AncestorGoids">"[originating from goroutine N]:" sections (GODEBUG=tracebackancestors); their frames are skipped.</param>
public sealed record DumpGoroutine(
    long Goid,
    string Status,
    int WaitMinutes,
    bool LockedToThread,
    IReadOnlyList<DumpFrame> Frames,
    string? CreatedByFunc,
    long? CreatedByGoid,
    DumpFrame? CreatedAt,
    bool Elided,
    int? ElidedFrames,
    bool Leaked,
    bool Scan,
    long? SynctestBubble,
    IReadOnlyDictionary<string, string>? Labels,
    bool StackUnavailable,
    IReadOnlyList<long> AncestorGoids)
{
    /// <summary>True if any frame is this function.</summary>
    public bool HasFrame(string func) => Frames.Any(f => f.Func == func);

    public override string ToString() =>
        $"goroutine {Goid} [{Status}] {Frames.Count} frames: {string.Join(" < ", Frames.Take(6).Select(f => f.Func))}{(Frames.Count > 6 ? " …" : "")}";
}
