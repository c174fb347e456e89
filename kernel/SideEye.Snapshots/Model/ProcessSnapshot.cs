namespace SideEye.Snapshots.Model;

/// <summary>One process in a snapshot.</summary>
/// <param name="PauseNs">How long the process was stopped.</param>
/// <param name="ProbeNs">How long the probe ran.</param>
/// <param name="Truncated">True when not every goroutine or frame could be captured.</param>
/// <param name="Error">Why the capture failed or is partial; null when it succeeded.</param>
/// <param name="Timings">Where the pause went, when the process was paused (not stored).</param>
public sealed record ProcessSnapshot(
    int Pid,
    string Hostname,
    string Exe,
    string GoVersion,
    long PauseNs,
    long ProbeNs,
    bool Truncated,
    string? Error,
    IReadOnlyList<GoroutineRecord> Goroutines,
    Loader.Run.PauseTimings? Timings = null);
