using System.Runtime.InteropServices;
using SideEye.Loader.Ptrace;
using static SideEye.Loader.Ptrace.PtraceNative;

namespace SideEye.Loader.Pause;

/// <summary>
/// Reaps, from any thread of ours, the target's threads that exited while traced by a stuck tracer thread. The
/// one known way our tracer thread sticks in the kernel is an execve in the target: exec kills the other threads
/// and waits, holding the target's cred_guard_mutex, until each is reaped; a traced thread is reaped only by its
/// tracer's process, and the tracer thread cannot poll for it while it sleeps in PTRACE_SEIZE on that very mutex
/// (a sleep no signal ends: -ERESTARTNOINTR). waitpid without __WNOTHREAD lets any thread of the tracer's process
/// reap its sibling's tracees, which lets the exec finish and the tracer thread's PTRACE_SEIZE return (tested on
/// 6.18). Only zombies are waited for, so no stop report the tracer thread needs is taken from it.
/// </summary>
internal static class ExitedTracees
{
    /// <summary>Reaps the zombie threads of <paramref name="pid"/> traced by <paramref name="tracerTid"/>; returns how many.</summary>
    public static int Reap(int pid, int tracerTid)
    {
        if (tracerTid <= 0) return 0;
        var reaped = 0;
        foreach (var tid in ProcStatus.Threads(pid))
        {
            if (ProcStatus.Read(pid, tid) is not { HasExited: true } thread || thread.TracerPid != tracerTid) continue;
            while (true)
            {
                var r = WaitPid(tid, out _, WALL | WNOHANG);
                if (r == tid) reaped++;
                if (r >= 0 || Marshal.GetLastPInvokeError() != EINTR) break;
            }
        }
        return reaped;
    }
}
