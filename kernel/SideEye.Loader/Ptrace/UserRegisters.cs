using System.Runtime.InteropServices;

namespace SideEye.Loader.Ptrace;

/// <summary>
/// x86_64 <c>struct user_regs_struct</c> (sys/user.h) as PTRACE_GETREGS fills it: 27 eight-byte fields in
/// kernel order. The BPF probe wants <see cref="Rip"/>, <see cref="Rsp"/> and <see cref="Rbp"/> of each paused thread.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public struct UserRegisters
{
    public ulong R15, R14, R13, R12, Rbp, Rbx, R11, R10, R9, R8, Rax, Rcx, Rdx, Rsi, Rdi;
    /// <summary>The syscall number when stopped inside a syscall, else -1 (as unsigned).</summary>
    public ulong OrigRax;
    public ulong Rip, Cs, Eflags, Rsp, Ss, FsBase, GsBase, Ds, Es, Fs, Gs;

    public readonly override string ToString() => $"rip=0x{Rip:x} rsp=0x{Rsp:x} rbp=0x{Rbp:x}";
}
