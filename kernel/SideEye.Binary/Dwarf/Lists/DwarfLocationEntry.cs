namespace SideEye.Binary.Dwarf.Lists;

/// <summary>
/// One entry of a location list, the same shape for DWARF 4 and 5: the expression that locates the variable
/// while the PC is in [Low, High). <see cref="IsDefault"/> marks DW_LLE_default_location (any PC not otherwise covered).
/// <see cref="ListOffset"/>/<see cref="EntryOffset"/> say where it was read, for diagnostics.
/// </summary>
public sealed record DwarfLocationEntry(ulong Low, ulong High, ReadOnlyMemory<byte> Expression, bool IsDefault, long EntryOffset)
{
    public bool Covers(ulong pc) => IsDefault || (pc >= Low && pc < High);
}
