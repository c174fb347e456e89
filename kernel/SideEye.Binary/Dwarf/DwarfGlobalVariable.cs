using SideEye.Binary.Dwarf.Types;

namespace SideEye.Binary.Dwarf;

/// <summary>A package-level variable: its link-time address and its type (null when DWARF gives none).</summary>
public sealed record DwarfGlobalVariable(string Name, ulong Address, GoType? Type);
