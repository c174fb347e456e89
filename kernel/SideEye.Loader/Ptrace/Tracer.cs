using System.Runtime.InteropServices;
using static SideEye.Loader.Ptrace.PtraceNative;

namespace SideEye.Loader.Ptrace;

/// <summary>
/// ptrace(2) as seen from one OS thread. The kernel makes a <em>thread</em> of ours the tracer of each
/// thread it attaches to, so every call for a tracee must come from the thread that seized it: a Tracer is
/// bound to the OS thread that created it and throws <see cref="InvalidOperationException"/> anywhere else
/// (.NET tasks hop threads; use a dedicated <see cref="Thread"/>). When that OS thread exits, or our process
/// dies, the kernel detaches every tracee it still holds and threads stopped with PTRACE_INTERRUPT run again.
/// </summary>
/// <remarks>
/// Needs Linux 3.4 (PTRACE_SEIZE, PTRACE_INTERRUPT, PTRACE_EVENT_STOP) and CAP_SYS_PTRACE over the target, or
/// the same uid with Yama's kernel.yama.ptrace_scope at 0 (1 also allows descendants; 2 requires
/// CAP_SYS_PTRACE; 3 forbids attaching); <see cref="Privileges.AccessDenial"/> explains an EPERM from
/// PTRACE_SEIZE. A thread can have one tracer: gdb, dlv or strace on the target make PTRACE_SEIZE fail with
/// EPERM too. x86_64 only (PTRACE_GETREGS and <see cref="UserRegisters"/>).
/// The Try* methods return an errno (0 on success) because vanished threads (ESRCH) are routine.
/// </remarks>
public sealed class Tracer
{
    /// <summary>__WNOTHREAD: only this thread's tracees.</summary>
    const int WNOTHREAD = 0x20000000;

    readonly int _osThread = GetTid();

    /// <summary>The kernel thread id of the tracer thread.</summary>
    public int TracerTid => _osThread;

    /// <summary>PTRACE_SEIZE: attaches without stopping the thread.</summary>
    public int TrySeize(int tid, PtraceOptions options) => Call(PTRACE_SEIZE, tid, 0, (nint)options);

    /// <summary>PTRACE_INTERRUPT: asks a seized thread to enter a ptrace-stop (reported as <see cref="WaitStatus.EventStop"/>).</summary>
    public int TryInterrupt(int tid) => Call(PTRACE_INTERRUPT, tid, 0, 0);

    /// <summary>PTRACE_CONT: resumes a stopped thread; <paramref name="signal"/> is delivered only from a signal-delivery-stop.</summary>
    public int TryContinue(int tid, int signal = 0) => Call(PTRACE_CONT, tid, 0, signal);

    /// <summary>PTRACE_DETACH: releases a thread that is in a ptrace-stop (ESRCH if it is running or gone).</summary>
    public int TryDetach(int tid, int signal = 0) => Call(PTRACE_DETACH, tid, 0, signal);

    public unsafe int TryGetRegisters(int tid, out UserRegisters registers)
    {
        UserRegisters r = default;
        var errno = Call(PTRACE_GETREGS, tid, 0, (nint)(&r));
        registers = r;
        return errno;
    }

    /// <summary>PTRACE_GETEVENTMSG: after a clone event stop, the new thread's tid.</summary>
    public unsafe int TryGetEventMessage(int tid, out ulong message)
    {
        ulong m = 0;
        var errno = Call(PTRACE_GETEVENTMSG, tid, 0, (nint)(&m));
        message = m;
        return errno;
    }

    /// <summary>tgkill(2): a signal for exactly one thread.</summary>
    public static int TryTgKill(int tgid, int tid, int signal) => TgKill(tgid, tid, signal);

    /// <summary>
    /// Waits until tracee <paramref name="tid"/> (-1: any tracee of <em>this thread</em>) reports a state change:
    /// waitpid(tid, __WALL|__WNOTHREAD|WNOHANG) polled with short sleeps until <paramref name="deadlineNs"/>
    /// (CLOCK_MONOTONIC), since ptrace offers nothing to block on with a timeout. __WNOTHREAD keeps other threads'
    /// children out. False at the deadline, or with ECHILD in <paramref name="errno"/> when nothing is traced any more.
    /// </summary>
    public bool TryWait(int tid, long deadlineNs, out int reportedTid, out WaitStatus status, out int errno)
    {
        CheckThread();
        var pollStart = MonotonicNs();
        while (true)
        {
            var r = WaitPid(tid, out var raw, WALL | WNOTHREAD | WNOHANG);
            if (r > 0)
            {
                reportedTid = r;
                status = new WaitStatus(raw);
                errno = 0;
                return true;
            }
            reportedTid = 0;
            status = default;
            errno = r < 0 ? Marshal.GetLastPInvokeError() : 0;
            if (errno == EINTR) continue;
            if (errno != 0) return false;
            var now = MonotonicNs();
            if (now >= deadlineNs) return false;
            Backoff(now - pollStart, deadlineNs - now);
        }
    }

    /// <summary>Any tracee of this thread: see <see cref="TryWait(int, long, out int, out WaitStatus, out int)"/>.</summary>
    public bool TryWaitAny(long deadlineNs, out int reportedTid, out WaitStatus status, out int errno) =>
        TryWait(-1, deadlineNs, out reportedTid, out status, out errno);

    // Threads usually stop within tens to hundreds of microseconds, and each needs a CPU to get there: sleep
    // (never spin or yield, which for a real-time tracer thread would keep the CPU from them) in steps of a
    // quarter of the time waited so far, from 25 µs to 100 µs. Measured on 2 CPUs stopping 8 threads: shorter
    // first steps (2-5 µs) made the stop 2-3 times slower, the tracer's wake-ups crowding out the threads.
    // The default timer slack (50 µs) stretches them, which helps too: with the least slack the stop took 25% longer.
    static void Backoff(long waitedNs, long remainingNs)
    {
        var sleepNs = Math.Min(Math.Clamp(waitedNs / 4, 25_000, 100_000), remainingNs);
        if (sleepNs > 0) NanoSleep(sleepNs);
    }

    int Call(int request, int tid, nint addr, nint data)
    {
        CheckThread();
        if (tid <= 0) throw new ArgumentOutOfRangeException(nameof(tid), tid, "a thread id is positive");
        return PtraceCall(request, tid, addr, data) == -1 ? Marshal.GetLastPInvokeError() : 0;
    }

    void CheckThread()
    {
        if (GetTid() != _osThread)
            throw new InvalidOperationException($"ptrace calls must come from the tracer thread {_osThread}, not {GetTid()}");
    }
}
