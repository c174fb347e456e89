using System.Diagnostics;

namespace SideEye.Snapshots.Collection;

/// <summary>
/// What is known of an agent's clock offset across calls: each measurement bounds the offset to an interval (its
/// estimate ± half the round trip), an older interval widens by the most two disciplined clocks can drift apart
/// since (<see cref="DriftPpm"/>), and the intersection of the two is the estimate. A warm fleet snapshot a moment
/// after the last one thus starts with its clocks known as tightly as before, without more ReadClock calls. Intervals
/// that do not meet mean a clock was stepped: the new measurement alone counts.
/// </summary>
sealed class ClockHistory
{
    /// <summary>The fastest NTP slews a clock (500 ppm, the kernel's limit), for both clocks at once.</summary>
    public const double DriftPpm = 1000;

    (TimeSpan Offset, TimeSpan Uncertainty, long AtTimestamp)? _known;

    /// <summary>The best estimate now, with the measurement <paramref name="measured"/> taken into account.</summary>
    public (TimeSpan Offset, TimeSpan Uncertainty) Add((TimeSpan Offset, TimeSpan Uncertainty) measured)
    {
        var now = Stopwatch.GetTimestamp();
        var best = measured;
        if (Aged(now) is { } old)
        {
            var low = Max(old.Offset - old.Uncertainty, measured.Offset - measured.Uncertainty);
            var high = Min(old.Offset + old.Uncertainty, measured.Offset + measured.Uncertainty);
            if (low <= high) best = ((low + high) / 2, (high - low) / 2);
        }
        _known = (best.Offset, best.Uncertainty, now);
        return best;
    }

    /// <summary>Forgets what was known (a fresh measurement is wanted).</summary>
    public void Reset() => _known = null;

    (TimeSpan Offset, TimeSpan Uncertainty)? Aged(long now) =>
        _known is { } k ? (k.Offset, k.Uncertainty + Stopwatch.GetElapsedTime(k.AtTimestamp, now) * (DriftPpm / 1e6)) : null;

    static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
    static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
}
