using System.Runtime.InteropServices;

namespace SideEye.Probes.Records;

/// <summary>Value of the thread_regs map (key: u32 thread id): a stopped thread's registers from PTRACE_GETREGS.</summary>
[StructLayout(LayoutKind.Sequential)]
public readonly record struct ThreadRegisters(ulong Pc, ulong Sp, ulong Bp);
