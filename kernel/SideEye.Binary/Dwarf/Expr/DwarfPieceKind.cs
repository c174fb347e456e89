namespace SideEye.Binary.Dwarf.Expr;

/// <summary>Where one piece of a value lives after evaluating a location expression.</summary>
public enum DwarfPieceKind
{
    /// <summary>In memory at <see cref="DwarfPiece.Address"/>.</summary>
    Memory = 1,
    /// <summary>In register <see cref="DwarfPiece.Register"/>.</summary>
    Register = 2,
    /// <summary>The value itself is <see cref="DwarfPiece.Value"/> (DW_OP_stack_value).</summary>
    Value = 3,
    /// <summary>The bytes are <see cref="DwarfPiece.Bytes"/> (DW_OP_implicit_value).</summary>
    ImplicitValue = 4,
    /// <summary>Optimised out: an empty location before DW_OP_piece.</summary>
    Unavailable = 5,
}
