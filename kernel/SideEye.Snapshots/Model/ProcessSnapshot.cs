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
    ProbeLoad? Probe = null)
{
    /// <summary>The machine as the user names it (a fleet file's agent name); null: <see cref="Hostname"/>.</summary>
    public string? Host { get; init; }

    /// <summary>The program a fleet's rules name the process; null: its executable's file name.</summary>
    public string? Program { get; init; }

    /// <summary>The environment its agent serves (prod, staging, …), when a fleet file says.</summary>
    public string? Environment { get; init; }

    /// <summary>Labels from the fleet file (the agent's static labels), without program, environment and host.</summary>
    public IReadOnlyDictionary<string, string>? Labels { get; init; }

    /// <summary>
    /// The instant the snapshot shows: when every thread of the process was stopped (nothing changes from then until the
    /// resume, whenever the probe reads it), on the client's clock (an agent's clock corrected by its measured
    /// offset): one timeline for a fleet. From an agent older than that, when the probe started.
    /// </summary>
    public DateTimeOffset? ProbeAt { get; init; }

    /// <summary>The pid inside the process's own PID namespace (a container) when that differs from <see cref="Pid"/>.</summary>
    public int? NamespacePid { get; init; }

    /// <summary>The process's control group (its container or service), or null in the root one.</summary>
    public string? Cgroup { get; init; }

    /// <summary>The probe's reads that missed resident memory and how many of them faulting pages in recovered; null without a probe summary.</summary>
    public Probes.Records.MissedReadCounts? Reads { get; init; }
}
