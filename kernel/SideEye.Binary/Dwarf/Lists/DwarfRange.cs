namespace SideEye.Binary.Dwarf.Lists;

/// <summary>A half-open address range [Low, High).</summary>
public readonly record struct DwarfRange(ulong Low, ulong High)
{
    public bool Contains(ulong pc) => pc >= Low && pc < High;
    public override string ToString() => $"[0x{Low:x}, 0x{High:x})";
}
