using SideEye.Binary.Dwarf.Types;

namespace SideEye.Probes.Values;

/// <summary>The Go kind of a DWARF type as the decoder needs it.</summary>
internal static class ValueKinds
{
    /// <summary>
    /// DW_AT_go_kind of the type or the first typedef below it that has one: maps, channels and interfaces are
    /// typedefs of runtime structs and pointers, so the layout-bearing type's kind would be wrong for them.
    /// </summary>
    public static GoKind Of(GoType t) => t.Kind is var k and not GoKind.Invalid ? k : t.Resolved.Kind;

    public static bool IsByte(GoType? t) => t is not null && Of(t) == GoKind.Uint8;
}
