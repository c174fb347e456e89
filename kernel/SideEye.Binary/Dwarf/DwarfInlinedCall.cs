using SideEye.Binary.Dwarf.Lists;

namespace SideEye.Binary.Dwarf;

/// <summary>A DW_TAG_inlined_subroutine: which function was inlined, where it was called from, and its code ranges.</summary>
/// <param name="OriginOffset">The abstract subprogram (DW_AT_abstract_origin): the inlined function's declaration, with all its parameters and locals.</param>
public sealed record DwarfInlinedCall(string Name, IReadOnlyList<DwarfRange> Ranges, string? CallFile, int CallLine,
    IReadOnlyList<DwarfVariable> Variables, IReadOnlyList<DwarfInlinedCall> InlinedCalls, int DieOffset, int? OriginOffset = null)
{
    public override string ToString() => $"{Name} inlined at {CallFile}:{CallLine}";
}
