using SideEye.Binary.Dwarf.Lists;

namespace SideEye.Binary.Dwarf;

/// <summary>A DW_TAG_inlined_subroutine: which function was inlined, where it was called from, and its code ranges.</summary>
public sealed record DwarfInlinedCall(string Name, IReadOnlyList<DwarfRange> Ranges, string? CallFile, int CallLine,
    IReadOnlyList<DwarfVariable> Variables, IReadOnlyList<DwarfInlinedCall> InlinedCalls, int DieOffset)
{
    public override string ToString() => $"{Name} inlined at {CallFile}:{CallLine}";
}
