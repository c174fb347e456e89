using SideEye.Loader.Ptrace;

namespace SideEye.Loader.Pause;

/// <summary>
/// Waiting for an instant on CLOCK_REALTIME, the clock machines share, so that processes on many machines are
/// paused together: the thread's timer slack is set to the least (the default lets a sleep end 50 µs late), it
/// sleeps until shortly before the instant (clock_nanosleep, absolute) and spins through the rest, since a sleeping
/// thread wakes late (measured on this project's virtual machines: 100 µs median, 700 µs at worst, with the least
/// slack; spinning the last 300 µs, 1 µs median). The spin does not yield: a yield hands the CPU to any busy thread
/// there, the target's own included, for a whole time slice (measured: up to 4 ms late). Where several agents share
/// a few CPUs, the spinners that run at the instant go first and the others follow as each blocks in its pause.
/// Cancellation is noticed between sleeps of at most 50 ms.
/// </summary>
public static class StartInstant
{
    /// <summary>How long before the instant the sleep ends and the spin begins.</summary>
    public static readonly TimeSpan Spin = TimeSpan.FromMicroseconds(300);

    const long SleepSliceNs = 50_000_000;

    /// <summary>CLOCK_REALTIME now, in nanoseconds since the Unix epoch.</summary>
    public static long NowUnixNs() => PtraceNative.RealtimeNs();

    /// <summary>
    /// Returns once CLOCK_REALTIME has reached <paramref name="unixNs"/> (at once for a past instant); returns how
    /// late, in nanoseconds. The thread's timer slack is as before afterwards (a pause's short polling sleeps are
    /// quicker with the default: see <see cref="Ptrace.Tracer"/>).
    /// </summary>
    public static long WaitUntil(long unixNs, CancellationToken cancellation = default)
    {
        var slack = PtraceNative.SetTimerSlack(1);
        try
        {
            var spinNs = Spin.Ticks * 100;
            while (true)
            {
                cancellation.ThrowIfCancellationRequested();
                var now = PtraceNative.RealtimeNs();
                if (unixNs - now <= spinNs) break;
                PtraceNative.SleepUntilRealtime(Math.Min(unixNs - spinNs, now + SleepSliceNs));
            }
            long reached;
            while ((reached = PtraceNative.RealtimeNs()) < unixNs) Thread.SpinWait(16);
            return reached - unixNs;
        }
        finally
        {
            if (slack > 0) PtraceNative.SetTimerSlack(slack);
        }
    }

    /// <summary>CLOCK_REALTIME, in nanoseconds since the Unix epoch, of a CLOCK_MONOTONIC reading (such as a pause's <see cref="ProcessPause.StoppedAtNs"/>).</summary>
    public static long UnixNsOf(long monotonicNs) => PtraceNative.RealtimeNs() - (PtraceNative.MonotonicNs() - monotonicNs);

    /// <summary>CLOCK_MONOTONIC at which CLOCK_REALTIME will read <paramref name="unixNs"/> (now for a past instant), unless the clock is stepped.</summary>
    public static long MonotonicAt(long unixNs) => PtraceNative.MonotonicNs() + Math.Max(0, unixNs - PtraceNative.RealtimeNs());
}
