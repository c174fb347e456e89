namespace SideEye.Snapshots.Model;

/// <summary>One process in a snapshot.</summary>
/// <param name="PauseNs">How long the process was stopped.</param>
/// <param name="ProbeNs">How long the probe ran.</param>
/// <param name="Truncated">True when not every goroutine or frame could be captured.</param>
/// <param name="Error">Why the capture failed or is partial; null when it succeeded.</param>
/// <param name="Timings">Where the pause went, when the process was paused (not stored).</param>
/// <param name="Captures">The values captured in the process's frames, or null when nothing was asked for.</param>
/// <param name="Requested">What was asked for in this process: each function's table and columns exist even when
/// no frame of it was on any stack.</param>
/// <param name="Probe">How the probe was made and verified (not stored, but the verifier's count is).</param>
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
    Loader.Contract.PauseTimings? Timings = null,
    IReadOnlyList<CapturedValue>? Captures = null,
    IReadOnlyList<Probes.Specs.FunctionCapture>? Requested = null,
    long? MonotonicNs = null,
    ProbeLoad? Probe = null);
