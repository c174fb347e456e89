namespace SideEye.Binary.Dwarf.Expr;

/// <summary>One piece of a (possibly split) location. <see cref="Size"/> is 0 for a location that is not split.</summary>
public sealed record DwarfPiece(DwarfPieceKind Kind, int Size, ulong Address = 0, int Register = -1, ulong Value = 0, byte[]? Bytes = null);
