using SideEye.Binary.Dwarf.Types;

namespace SideEye.Probes.Values;

/// <summary>Field lookups in the runtime structs the decoder reads (hmap, Swiss maps, hchan, itab), by DWARF name.</summary>
internal static class RuntimeStructs
{
    public static GoTypeField Field(GoType structType, string name) =>
        structType.Resolved.Field(name) ?? throw new SideEyeException($"DWARF type {structType.Name} has no field {name}, which the value decoder reads");

    public static GoTypeField Field(GoType structType, string name, string alternative) =>
        structType.Resolved.Field(name) ?? Field(structType, alternative);

    /// <summary>The struct a runtime pointer type (a map's or channel's DWARF type) points to.</summary>
    public static GoType Pointee(GoType pointerLike) =>
        pointerLike.Resolved.Elem ?? throw new SideEyeException($"DWARF type {pointerLike.Name} does not point to a runtime struct");
}
