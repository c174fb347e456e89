
namespace SideEye.Binary.Dwarf.Expr;

/// <summary>
/// What a DWARF expression may consult: registers by DWARF number, the frame base and CFA of the current
/// frame, and memory. Capabilities, not a process: tests pass fakes, a live debugger passes the real thing.
/// </summary>
public sealed record DwarfExpressionContext
{
    public int PointerSize { get; init; } = 8;
    /// <summary>Value of a register by DWARF number, or null when unknown.</summary>
    public Func<int, ulong?> Register { get; init; } = _ => null;
    /// <summary>DW_AT_frame_base of the function (Go: the CFA).</summary>
    public ulong? FrameBase { get; init; }
    public ulong? Cfa { get; init; }
    public DwarfMemoryReader? ReadMemory { get; init; }
    /// <summary>Resolves a .debug_addr index for DW_OP_addrx/constx (the unit's <see cref="DwarfCompileUnit.AddressAtIndex"/>).</summary>
    public Func<ulong, ulong>? AddressAtIndex { get; init; }
}
