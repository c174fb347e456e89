using System.Runtime.InteropServices;

namespace SideEye.Loader.Ptrace;

/// <summary>
/// The libc calls behind <see cref="Tracer"/>. ptrace(2) is variadic in glibc, but it only reads integer
/// arguments, so a fixed four-argument import is safe on x86_64.
/// </summary>
internal static partial class PtraceNative
{
    // ptrace(2) requests (uapi linux/ptrace.h, asm/ptrace-abi.h).
    public const int PTRACE_CONT = 7;
    public const int PTRACE_GETREGS = 12;
    public const int PTRACE_DETACH = 17;
    public const int PTRACE_GETEVENTMSG = 0x4201;
    public const int PTRACE_SEIZE = 0x4206;
    public const int PTRACE_INTERRUPT = 0x4207;

    // waitpid(2) options and status layout.
    public const int WNOHANG = 1;
    /// <summary>__WALL: wait for clone children (threads) too.</summary>
    public const int WALL = 0x40000000;

    public const int ESRCH = 3;
    public const int EINTR = 4;
    public const int ECHILD = 10;
    public const int EPERM = 1;
    public const int EIO = 5;

    const long SYS_tgkill = 234;
    const long SYS_gettid = 186;
    const int CLOCK_MONOTONIC = 1;

    [LibraryImport("libc", EntryPoint = "ptrace", SetLastError = true)]
    public static partial nint PtraceCall(nint request, int pid, nint addr, nint data);

    [LibraryImport("libc", EntryPoint = "waitpid", SetLastError = true)]
    public static partial int WaitPid(int pid, out int status, int options);

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial long Syscall3(long number, long a, long b, long c);

    [LibraryImport("libc", EntryPoint = "syscall")]
    private static partial long Syscall0(long number);

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, out Timespec ts);

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "nanosleep")]
    private static partial int NanoSleepNative(in Timespec request, nint remaining);

    public static void NanoSleep(long ns)
    {
        if (ns <= 0) return;
        NanoSleepNative(new Timespec { Seconds = ns / 1_000_000_000L, Nanoseconds = ns % 1_000_000_000L }, 0);
    }

    [LibraryImport("libc", EntryPoint = "setpriority", SetLastError = true)]
    private static partial int SetPriorityNative(int which, int who, int prio);

    /// <summary>setpriority(PRIO_PROCESS, tid, nice): per thread on Linux. Returns 0 or an errno (EACCES without CAP_SYS_NICE).</summary>
    public static int SetThreadNice(int tid, int nice) =>
        SetPriorityNative(0, tid, nice) == 0 ? 0 : Marshal.GetLastPInvokeError();

    /// <summary>sched_setscheduler(tid, SCHED_FIFO, priority): 0 or an errno (EPERM without CAP_SYS_NICE).</summary>
    public static unsafe int SetThreadFifo(int tid, int priority)
    {
        var param = priority;
        return SchedSetScheduler(tid, SCHED_FIFO, &param) == 0 ? 0 : Marshal.GetLastPInvokeError();
    }

    /// <summary>sched_setscheduler(tid, SCHED_OTHER, 0): back to ordinary scheduling; 0 or an errno.</summary>
    public static unsafe int SetThreadOther(int tid)
    {
        var param = 0;
        return SchedSetScheduler(tid, SCHED_OTHER, &param) == 0 ? 0 : Marshal.GetLastPInvokeError();
    }

    const int SCHED_OTHER = 0, SCHED_FIFO = 1;

    [LibraryImport("libc", EntryPoint = "sched_setscheduler", SetLastError = true)]
    private static unsafe partial int SchedSetScheduler(int pid, int policy, int* param);

    /// <summary>tgkill(2): sends a signal to one thread of one process. Returns 0 or an errno.</summary>
    public static int TgKill(int tgid, int tid, int signal) =>
        Syscall3(SYS_tgkill, tgid, tid, signal) == 0 ? 0 : Marshal.GetLastPInvokeError();

    /// <summary>The calling OS thread's kernel id: the tracer identity that ptrace remembers.</summary>
    public static int GetTid() => (int)Syscall0(SYS_gettid);

    const int CLOCK_REALTIME = 0, TIMER_ABSTIME = 1;

    [LibraryImport("libc", EntryPoint = "clock_nanosleep")]
    private static partial int ClockNanoSleep(int clock, int flags, in Timespec request, nint remaining);

    /// <summary>CLOCK_REALTIME in nanoseconds since the Unix epoch: the clock agents share an instant on.</summary>
    public static long RealtimeNs()
    {
        ClockGetTime(CLOCK_REALTIME, out var ts);
        return ts.Seconds * 1_000_000_000L + ts.Nanoseconds;
    }

    /// <summary>Sleeps until CLOCK_REALTIME reaches <paramref name="unixNs"/> (absolute, so a clock step is followed); returns early on a signal.</summary>
    public static void SleepUntilRealtime(long unixNs) =>
        _ = ClockNanoSleep(CLOCK_REALTIME, TIMER_ABSTIME, new Timespec { Seconds = unixNs / 1_000_000_000L, Nanoseconds = unixNs % 1_000_000_000L }, 0);

    [LibraryImport("libc", EntryPoint = "prctl")]
    private static partial int Prctl(int option, nuint value, nuint arg3, nuint arg4, nuint arg5);

    const int PR_SET_TIMERSLACK = 29, PR_GET_TIMERSLACK = 30;

    /// <summary>
    /// Sets how late the calling thread's timed sleeps may end, in nanoseconds (the kernel's default is 50 µs, so
    /// that it can batch wake-ups; 1 is as precise as the timer allows), and returns the slack it had. Best effort.
    /// </summary>
    public static long SetTimerSlack(long ns)
    {
        var previous = Prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0);
        _ = Prctl(PR_SET_TIMERSLACK, (nuint)Math.Max(1, ns), 0, 0, 0);
        return previous;
    }

    /// <summary>CLOCK_MONOTONIC in nanoseconds: the clock of bpf_ktime_get_ns, so BPF records can be correlated.</summary>
    public static long MonotonicNs()
    {
        ClockGetTime(CLOCK_MONOTONIC, out var ts);
        return ts.Seconds * 1_000_000_000L + ts.Nanoseconds;
    }
}
