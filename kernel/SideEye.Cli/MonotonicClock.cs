using System.Runtime.InteropServices;

namespace SideEye.Cli;

/// <summary>
/// CLOCK_MONOTONIC in nanoseconds: the clock of Go's runtime.nanotime, which stamps g.waitsince, so a wait start
/// read from a process on this machine can be turned into how long ago it was.
/// </summary>
static partial class MonotonicClock
{
    const int ClockMonotonic = 1;

    [StructLayout(LayoutKind.Sequential)]
    struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, out Timespec ts);

    public static long NowNs()
    {
        // CLOCK_MONOTONIC always exists on Linux; a failure here would be a broken libc.
        if (ClockGetTime(ClockMonotonic, out var ts) != 0) throw new InvalidOperationException("clock_gettime(CLOCK_MONOTONIC) failed");
        return ts.Seconds * 1_000_000_000L + ts.Nanoseconds;
    }
}
