using SideEye.Probes.Planning;
using SideEye.Probes.Specs;

namespace SideEye.Snapshots.Collection;

/// <summary>
/// The options every front end passes to a snapshot (the CLI, the notebook, later the agent), checked here once,
/// with the same one-line errors everywhere: the frame limit (counted as runtime.Stack counts frames), the
/// longest pause, and capture limits.
/// </summary>
public static class SnapshotOptions
{
    public const int DefaultMaxFrames = 100;
    public const int DefaultMaxPauseMs = 500;
    /// <summary>A pause is a debugger's promise to be brief: a minute is far beyond any snapshot's need.</summary>
    public const int MaxMaxPauseMs = 60_000;

    public static int MaxFrames(int value) =>
        value is >= ProbePlan.MinMaxFrames and <= ProbePlan.MaxMaxFrames ? value
            : throw new SnapshotOptionException("--max-frames", $"must be a whole number from {ProbePlan.MinMaxFrames} to {ProbePlan.MaxMaxFrames}, not {value}");

    public static TimeSpan MaxPause(TimeSpan value) =>
        value > TimeSpan.Zero && value <= TimeSpan.FromMilliseconds(MaxMaxPauseMs) ? value
            : throw new SnapshotOptionException("--max-pause-ms", $"must be from 1 to {MaxMaxPauseMs} milliseconds, not {value.TotalMilliseconds:0.###}");

    public static TimeSpan MaxPauseMs(int milliseconds) => MaxPause(TimeSpan.FromMilliseconds(milliseconds));

    /// <summary>
    /// How long into a snapshot the probe may fault pages in to read memory that is not resident (an idle service's
    /// swapped-out stacks and values): a page-in from a disk takes about a millisecond, from compressed memory
    /// microseconds. The probe never spends more than half the pause limit on it.
    /// </summary>
    public const int DefaultFaultBudgetMs = 100;

    public static TimeSpan FaultBudget(TimeSpan value) =>
        value >= TimeSpan.Zero && value <= TimeSpan.FromMilliseconds(MaxMaxPauseMs) ? value
            : throw new SnapshotOptionException("--fault-budget-ms", $"must be from 0 (never fault pages in) to {MaxMaxPauseMs} milliseconds, not {value.TotalMilliseconds:0.###}");

    /// <summary>Capture limits within <see cref="CaptureLimits"/>' own bounds.</summary>
    public static CaptureLimits Limits(CaptureLimits limits)
    {
        foreach (var (name, value, max) in limits.Bounded())
            if (value < 0 || value > max) throw new SnapshotOptionException(name, $"must be a whole number from 0 to {max}, not {value}");
        return limits;
    }
}
