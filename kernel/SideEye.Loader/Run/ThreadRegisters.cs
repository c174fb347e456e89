using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using SideEye.Loader.Ptrace;

namespace SideEye.Loader.Run;

/// <summary>
/// Value of a job's thread-registers map (key: u32 thread id): a stopped thread's pc, sp and bp, then its sixteen
/// general registers in DWARF numbering (the probe reads a running goroutine's register-held variables there).
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public readonly record struct ThreadRegisters(ulong Pc, ulong Sp, ulong Bp, GeneralRegisters General)
{
    public const int Size = 24 + GeneralRegisters.Count * 8;
    /// <summary>Offset of <see cref="General"/> in the map value.</summary>
    public const int GeneralOffset = 24;

    public ThreadRegisters(ulong pc, ulong sp, ulong bp) : this(pc, sp, bp, default) { }

    internal static ThreadRegisters Of(in UserRegisters r)
    {
        var g = new GeneralRegisters();
        // DWARF x86-64 numbering: rax, rdx, rcx, rbx, rsi, rdi, rbp, rsp, r8..r15.
        g[0] = r.Rax; g[1] = r.Rdx; g[2] = r.Rcx; g[3] = r.Rbx; g[4] = r.Rsi; g[5] = r.Rdi; g[6] = r.Rbp; g[7] = r.Rsp;
        g[8] = r.R8; g[9] = r.R9; g[10] = r.R10; g[11] = r.R11; g[12] = r.R12; g[13] = r.R13; g[14] = r.R14; g[15] = r.R15;
        return new ThreadRegisters(r.Rip, r.Rsp, r.Rbp, g);
    }

    public bool Equals(ThreadRegisters other)
    {
        GeneralRegisters mine = General, theirs = other.General;
        return Pc == other.Pc && Sp == other.Sp && Bp == other.Bp && ((ReadOnlySpan<ulong>)mine).SequenceEqual(theirs);
    }

    public override int GetHashCode() => HashCode.Combine(Pc, Sp, Bp, General[0], General[3]);
}

/// <summary>The sixteen x86-64 general registers, indexed by DWARF register number (0 rax … 15 r15).</summary>
[InlineArray(Count)]
public struct GeneralRegisters
{
    public const int Count = 16;
    ulong _element;
}
