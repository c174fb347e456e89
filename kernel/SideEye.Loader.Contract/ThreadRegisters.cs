using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace SideEye.Loader.Contract;

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
