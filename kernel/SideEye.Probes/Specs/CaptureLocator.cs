using SideEye.Binary.Dwarf;
using SideEye.Binary.Dwarf.Expr;
using SideEye.Binary.Dwarf.Info;

namespace SideEye.Probes.Specs;

/// <summary>
/// Where a parameter or local is at a pc, from its DWARF location (list): pieces on the stack relative to the
/// frame's CFA (Go's frame base is DW_OP_call_frame_cfa), or in registers. Go's register ABI has no
/// callee-saved registers, so in any frame but the innermost a value held in a register is gone: such a
/// location, a pc the location list does not cover, and a variable without any location all come back as
/// unavailable with the reason, never as a guess.
/// </summary>
public static class CaptureLocator
{
    // A stand-in CFA: evaluating against it turns each memory piece's address into a CFA offset.
    const ulong Base = 1UL << 44;

    /// <summary>
    /// Where a variable is in a frame that is not the innermost, while the call that returns to
    /// <paramref name="returnAddress"/> runs. Go's location lists often keep a spilled parameter "in its register" up
    /// to the call's return address and name its stack slot only from there, though the spill came before the call
    /// (Delve reads such frames at the return address too). No instruction of the frame runs between the call and its
    /// return address, so a stack slot the list names there held the value throughout the call; a register never
    /// does in an outer frame.
    /// </summary>
    public static CaptureLocation LocateDuringCall(DwarfVariable variable, ulong returnAddress, DwarfCompileUnit unit)
    {
        var during = Locate(variable, returnAddress - 1, innermost: false, unit);
        if (during.IsAvailable) return during;
        var after = Locate(variable, returnAddress, innermost: false, unit);
        return after.IsAvailable ? after : during;
    }

    /// <summary>
    /// Whether <see cref="LocateDuringCall"/> finds the variable only at <paramref name="returnAddress"/>: the probe
    /// needs a plan of its own for the call's last byte then.
    /// </summary>
    public static bool OnlyAfterCall(DwarfVariable variable, ulong returnAddress, DwarfCompileUnit unit) =>
        !Locate(variable, returnAddress - 1, innermost: false, unit).IsAvailable && Locate(variable, returnAddress, innermost: false, unit).IsAvailable;

    public static CaptureLocation Locate(DwarfVariable variable, ulong pc, bool innermost, DwarfCompileUnit unit)
    {
        if (variable.Location is not { } location) return CaptureLocation.NotAvailable("optimized away");
        if (location.ExpressionAt(pc) is not { } expression) return CaptureLocation.NotAvailable("not available at pc");
        IReadOnlyList<DwarfPiece> pieces;
        try
        {
            pieces = DwarfExpression.Evaluate(expression, new DwarfExpressionContext
            {
                PointerSize = unit.AddressSize,
                FrameBase = Base,
                Cfa = Base,
                AddressAtIndex = unit.AddressAtIndex,
            });
        }
        catch (DwarfExpressionException e)
        {
            return CaptureLocation.NotAvailable($"location not supported: {e.Message}");
        }
        var result = new List<CapturePiece>();
        foreach (var p in pieces)
        {
            switch (p.Kind)
            {
                case DwarfPieceKind.Memory when p.Address >= Base - (1UL << 32) && p.Address < Base + (1UL << 32):
                    result.Add(new CapturePiece(CapturePieceKind.Stack, (long)(p.Address - Base), -1, p.Size));
                    break;
                case DwarfPieceKind.Register when innermost:
                    result.Add(new CapturePiece(CapturePieceKind.Register, 0, p.Register, p.Size));
                    break;
                case DwarfPieceKind.Register:
                    return CaptureLocation.NotAvailable("not available at pc: held in a register, which an outer frame does not keep");
                case DwarfPieceKind.Unavailable:
                    return CaptureLocation.NotAvailable("optimized away (in part)");
                default:
                    return CaptureLocation.NotAvailable($"location not supported: a {p.Kind} piece");
            }
        }
        return result.Count == 0 ? CaptureLocation.NotAvailable("optimized away") : new CaptureLocation(result, null);
    }
}
