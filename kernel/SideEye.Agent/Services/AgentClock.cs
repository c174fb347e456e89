using System.Diagnostics;
using M = SideEye.Loader.Contract.Messages;

namespace SideEye.Agent.Services;

/// <summary>The agent's two clocks read together: wall time, and CLOCK_MONOTONIC (the probe's bpf_ktime_get_ns; .NET's Stopwatch on Linux).</summary>
static class AgentClock
{
    public static M.Clock Now() => new()
    {
        UnixNs = (DateTimeOffset.UtcNow - DateTimeOffset.UnixEpoch).Ticks * 100,
        MonotonicNs = (long)(Stopwatch.GetTimestamp() * (1e9 / Stopwatch.Frequency)),
    };
}
