namespace SideEye.Binary.Dwarf.Line;

/// <summary>One row of a line table: the source position of the instructions starting at <see cref="Address"/>.</summary>
public sealed record DwarfLineRow(ulong Address, string File, int Line, int Column, bool IsStatement, bool EndSequence)
{
    public override string ToString() => $"0x{Address:x} {File}:{Line}";
}
