namespace SideEye.Binary.Dwarf.Expr;

/// <summary>Reads target memory; false when the address is not readable.</summary>
public delegate bool DwarfMemoryReader(ulong address, Span<byte> destination);
