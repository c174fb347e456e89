namespace SideEye.Loader.Contract;

/// <summary>
/// What one run brought back, uninterpreted: the program's records in order (the completion record last when
/// <see cref="Completed"/>), the threads that were stopped with the registers the program was given (read
/// before the trigger thread ran), and where the time went. The unprivileged half
/// decodes it.
/// </summary>
public sealed record RawSnapshot(
    int Pid,
    IReadOnlyList<byte[]> Records,
    bool Completed,
    IReadOnlyList<StoppedThread> Threads,
    PauseTimings Timings,
    TimeSpan MaxPause)
{
    /// <summary>
    /// What went wrong with the run itself, or null: the pause limit passed before the completion record arrived,
    /// or the pause outlasted the limit (it is enforced between steps; a probe already running finishes first).
    /// </summary>
    public string? Incomplete =>
        !Completed ? $"the probe did not finish within the pause limit ({Timings.PauseNs / 1e6:F1} ms paused)"
        : Timings.PauseNs > MaxPause.Ticks * 100 ? $"paused {Timings.PauseNs / 1e6:F1} ms, over the pause limit of {MaxPause.TotalMilliseconds:0.###} ms"
        : null;
}
