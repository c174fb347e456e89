using SideEye.Loader.Contract;
using SideEye.Loader.Ptrace;

namespace SideEye.Loader.Run;

/// <summary>A stopped thread's registers as the probe's thread-registers map holds them (<see cref="ThreadRegisters"/>).</summary>
static class StoppedRegisters
{
    public static ThreadRegisters Of(in UserRegisters r)
    {
        var g = new GeneralRegisters();
        // DWARF x86-64 numbering: rax, rdx, rcx, rbx, rsi, rdi, rbp, rsp, r8..r15.
        g[0] = r.Rax; g[1] = r.Rdx; g[2] = r.Rcx; g[3] = r.Rbx; g[4] = r.Rsi; g[5] = r.Rdi; g[6] = r.Rbp; g[7] = r.Rsp;
        g[8] = r.R8; g[9] = r.R9; g[10] = r.R10; g[11] = r.R11; g[12] = r.R12; g[13] = r.R13; g[14] = r.R14; g[15] = r.R15;
        return new ThreadRegisters(r.Rip, r.Rsp, r.Rbp, g);
    }
}
