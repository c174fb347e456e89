using SideEye.Binary.Dwarf.Info;
using SideEye.Binary.Dwarf.Lists;

namespace SideEye.Binary.Dwarf;

/// <summary>
/// A variable's DW_AT_location: either one expression valid everywhere in its scope, or a location list
/// (v4 .debug_loc or v5 .debug_loclists, already decoded into the common entry shape).
/// </summary>
public sealed record DwarfVariableLocation(ReadOnlyMemory<byte>? Expression, IReadOnlyList<DwarfLocationEntry>? List)
{
    /// <summary>The expression that applies at <paramref name="pc"/>; null when the variable has no location there.</summary>
    public ReadOnlyMemory<byte>? ExpressionAt(ulong pc)
    {
        if (Expression is { } e) return e;
        if (List is null) return null;
        foreach (var entry in List) if (!entry.IsDefault && entry.Covers(pc)) return entry.Expression;
        foreach (var entry in List) if (entry.IsDefault) return entry.Expression;
        return null;
    }

    internal static DwarfVariableLocation? Of(DwarfEntry entry)
    {
        if (entry.Value(DwarfAttribute.Location) is not { } v) return null;
        if (v.IsBlock) return new DwarfVariableLocation(entry.Block(DwarfAttribute.Location), null);
        // sec_offset, loclistx, or (DWARF 2/3) a data4/data8 section offset.
        if (v.IsListReference || v.Form is DwarfForm.Data4 or DwarfForm.Data8)
            return new DwarfVariableLocation(null, DwarfLocationLists.Read(entry.Unit, v));
        return null;
    }
}
