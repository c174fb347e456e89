using System.Runtime.InteropServices;

namespace SideEye.Loader.Run;

/// <summary>Value of a job's thread-registers map (key: u32 thread id): a stopped thread's pc, sp and bp.</summary>
[StructLayout(LayoutKind.Sequential)]
public readonly record struct ThreadRegisters(ulong Pc, ulong Sp, ulong Bp)
{
    public const int Size = 24;
}
