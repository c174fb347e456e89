using System.Diagnostics;
using SideEye.Snapshots.Model;
using M = SideEye.Loader.Contract.Messages;

namespace SideEye.Snapshots.Collection;

/// <summary>
/// Puts probe times on one timeline, the client's. A probe's start is CLOCK_MONOTONIC on its machine (the probe's
/// bpf_ktime_get_ns); a pair of that machine's clocks read together (monotonic and wall) turns it into the machine's
/// wall time, and the machine's measured offset from the client's wall clock is taken out. The offset is estimated
/// from a call's round trip as NTP does: the agent's own time on the call is taken out of the round trip, and half of
/// what remains bounds the error.
/// </summary>
static class ProbeClock
{
    /// <summary>This machine's wall clock and CLOCK_MONOTONIC (Stopwatch on Linux) read together, in nanoseconds.</summary>
    public static (long UnixNs, long MonotonicNs) Now() =>
        (UnixNs(DateTimeOffset.UtcNow), (long)(Stopwatch.GetTimestamp() * (1e9 / Stopwatch.Frequency)));

    /// <summary>
    /// The row with <see cref="ProcessSnapshot.ProbeAt"/> set from the monotonic instant its threads were all stopped
    /// (else its probe's start, else the trigger's), through the clock pair and the offset.
    /// </summary>
    public static ProcessSnapshot OnTimeline(ProcessSnapshot row, long clockUnixNs, long clockMonotonicNs, TimeSpan offset)
    {
        var probeNs = row.Timings is { StoppedAtNs: > 0 } stopped ? stopped.StoppedAtNs
            : row.MonotonicNs is > 0 ? row.MonotonicNs
            : row.Timings is { TriggeredAtNs: > 0 } t ? t.TriggeredAtNs : null;
        if (probeNs is not { } ns) return row;
        return row with { ProbeAt = DateTimeOffset.UnixEpoch.AddTicks((clockUnixNs + (ns - clockMonotonicNs)) / 100) - offset };
    }

    /// <summary>A row of this machine's on the timeline (offset zero).</summary>
    public static ProcessSnapshot OnTimeline(ProcessSnapshot row)
    {
        var (unixNs, monotonicNs) = Now();
        return OnTimeline(row, unixNs, monotonicNs, TimeSpan.Zero);
    }

    /// <summary>
    /// The agent's wall clock minus the client's, from a call sent at <paramref name="sent"/> and answered at
    /// <paramref name="received"/> (client's clock) that the agent received and answered at the given clocks of its
    /// own; and how far the true offset can be from it.
    /// </summary>
    public static (TimeSpan Offset, TimeSpan Uncertainty) Offset(DateTimeOffset sent, DateTimeOffset received, M.Clock agentReceived, M.Clock agentAnswered)
    {
        long sentNs = UnixNs(sent), receivedNs = UnixNs(received);
        var offsetNs = ((agentReceived.UnixNs - sentNs) + (agentAnswered.UnixNs - receivedNs)) / 2;
        var onAgentNs = Math.Max(0, agentAnswered.MonotonicNs - agentReceived.MonotonicNs);
        var uncertaintyNs = Math.Max(0, receivedNs - sentNs - onAgentNs) / 2;
        return (TimeSpan.FromTicks(offsetNs / 100), TimeSpan.FromTicks(uncertaintyNs / 100));
    }

    public static long UnixNs(DateTimeOffset time) => (time - DateTimeOffset.UnixEpoch).Ticks * 100;
}
