namespace SideEye.Loader.Run;

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
    PauseTimings Timings)
{
    /// <summary>Why the run is incomplete, or null: the pause limit passed before the completion record arrived.</summary>
    public string? Incomplete => Completed ? null
        : $"the probe did not finish within the pause limit ({Timings.PauseNs / 1e6:F1} ms paused)";
}
