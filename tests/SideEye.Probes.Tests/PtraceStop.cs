using System.Runtime.InteropServices;
using SideEye.Probes.Records;

namespace SideEye.Probes.Tests;

/// <summary>
/// Test-only stand-in for the loader's ptrace pause: stops one thread (PTRACE_SEIZE + PTRACE_INTERRUPT), reads
/// its registers, and detaches (resuming it) on Dispose. ptrace requests must come from the attaching thread, so
/// create and dispose it on the same thread without awaiting in between.
/// </summary>
internal sealed class PtraceStop : IDisposable
{
    const long Seize = 0x4206, InterruptRequest = 0x4207, GetRegs = 12, Detach = 17;
    const int WAll = 0x40000000;
    const int UserRegsWords = 27, Rbp = 4, Rip = 16, Rsp = 19;

    bool _attached;

    public int Tid { get; }
    public ThreadRegisters Registers { get; }

    PtraceStop(int tid, ThreadRegisters registers)
    {
        Tid = tid;
        Registers = registers;
        _attached = true;
    }

    public static unsafe PtraceStop Interrupt(int tid)
    {
        if (ptrace(Seize, tid, 0, 0) != 0) throw new InvalidOperationException($"PTRACE_SEIZE {tid}: errno {Marshal.GetLastPInvokeError()}");
        try
        {
            if (ptrace(InterruptRequest, tid, 0, 0) != 0) throw new InvalidOperationException($"PTRACE_INTERRUPT {tid}: errno {Marshal.GetLastPInvokeError()}");
            int status;
            if (waitpid(tid, &status, WAll) != tid) throw new InvalidOperationException($"waitpid {tid}: errno {Marshal.GetLastPInvokeError()}");
            var regs = stackalloc ulong[UserRegsWords];
            if (ptrace(GetRegs, tid, 0, (nint)regs) != 0) throw new InvalidOperationException($"PTRACE_GETREGS {tid}: errno {Marshal.GetLastPInvokeError()}");
            return new PtraceStop(tid, new ThreadRegisters(regs[Rip], regs[Rsp], regs[Rbp]));
        }
        catch
        {
            ptrace(Detach, tid, 0, 0);
            throw;
        }
    }

    public void Dispose()
    {
        if (!_attached) return;
        _attached = false;
        ptrace(Detach, Tid, 0, 0);
    }

    [DllImport("libc", SetLastError = true)]
    static extern long ptrace(long request, int pid, nint addr, nint data);

    [DllImport("libc", SetLastError = true)]
    static extern unsafe int waitpid(int pid, int* status, int options);
}
