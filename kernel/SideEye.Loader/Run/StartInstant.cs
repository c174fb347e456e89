using SideEye.Loader.Ptrace;

namespace SideEye.Loader.Run;

/// <summary>
/// Waiting for an instant on CLOCK_REALTIME, the clock machines share, so that processes on many machines are
/// paused together: sleep until shortly before it (clock_nanosleep, absolute), then spin through the rest, since a
/// sleeping thread wakes up tens of microseconds late on an idle machine and later on a busy one. Cancellation is
/// noticed between sleeps of at most 50 ms.
/// </summary>
public static class StartInstant
{
    /// <summary>How long before the instant the sleep ends and the spin begins.</summary>
    public static readonly TimeSpan Spin = TimeSpan.FromMicroseconds(300);

    const long SleepSliceNs = 50_000_000;

    /// <summary>CLOCK_REALTIME now, in nanoseconds since the Unix epoch.</summary>
    public static long NowUnixNs() => PtraceNative.RealtimeNs();

    /// <summary>Returns once CLOCK_REALTIME has reached <paramref name="unixNs"/> (at once for a past instant); returns how late, in nanoseconds.</summary>
    public static long WaitUntil(long unixNs, CancellationToken cancellation = default)
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
}
