namespace SideEye.Binary.Dwarf.Info;

/// <summary>The DIE tags (DW_TAG_*) this reader interprets; others pass through by number.</summary>
public enum DwarfTag : ushort
{
    /// <summary>DW_TAG_array_type</summary>
    ArrayType = 0x01,
    /// <summary>DW_TAG_formal_parameter</summary>
    FormalParameter = 0x05,
    /// <summary>DW_TAG_lexical_block</summary>
    LexicalBlock = 0x0b,
    /// <summary>DW_TAG_member</summary>
    Member = 0x0d,
    /// <summary>DW_TAG_pointer_type</summary>
    PointerType = 0x0f,
    /// <summary>DW_TAG_compile_unit</summary>
    CompileUnit = 0x11,
    /// <summary>DW_TAG_structure_type</summary>
    StructType = 0x13,
    /// <summary>DW_TAG_subroutine_type</summary>
    SubroutineType = 0x15,
    /// <summary>DW_TAG_typedef</summary>
    Typedef = 0x16,
    /// <summary>DW_TAG_union_type</summary>
    UnionType = 0x17,
    /// <summary>DW_TAG_inlined_subroutine</summary>
    InlinedSubroutine = 0x1d,
    /// <summary>DW_TAG_subrange_type</summary>
    SubrangeType = 0x21,
    /// <summary>DW_TAG_base_type</summary>
    BaseType = 0x24,
    /// <summary>DW_TAG_const_type</summary>
    ConstType = 0x26,
    /// <summary>DW_TAG_constant</summary>
    Constant = 0x27,
    /// <summary>DW_TAG_subprogram</summary>
    Subprogram = 0x2e,
    /// <summary>DW_TAG_variable</summary>
    Variable = 0x34,
    /// <summary>DW_TAG_volatile_type</summary>
    VolatileType = 0x35,
    /// <summary>DW_TAG_unspecified_type</summary>
    UnspecifiedType = 0x3b,
    /// <summary>DW_TAG_partial_unit</summary>
    PartialUnit = 0x3c,
    /// <summary>DW_TAG_type_unit</summary>
    TypeUnit = 0x41,
    /// <summary>DW_TAG_skeleton_unit</summary>
    SkeletonUnit = 0x4a,
}
