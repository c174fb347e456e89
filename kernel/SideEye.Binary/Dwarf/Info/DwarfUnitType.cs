namespace SideEye.Binary.Dwarf.Info;

/// <summary>DWARF 5 unit types (DW_UT_*); DWARF 2–4 units in .debug_info are always <see cref="Compile"/>.</summary>
public enum DwarfUnitType : byte
{
    /// <summary>DW_UT_compile</summary>
    Compile = 0x01,
    /// <summary>DW_UT_type</summary>
    Type = 0x02,
    /// <summary>DW_UT_partial</summary>
    Partial = 0x03,
    /// <summary>DW_UT_skeleton</summary>
    Skeleton = 0x04,
    /// <summary>DW_UT_split_compile</summary>
    SplitCompile = 0x05,
    /// <summary>DW_UT_split_type</summary>
    SplitType = 0x06,
}
