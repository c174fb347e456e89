namespace SideEye.Binary.Dwarf.Info;

/// <summary>The attribute names (DW_AT_*) this reader interprets, including Go's vendor extensions.</summary>
public enum DwarfAttribute : ushort
{
    /// <summary>DW_AT_sibling</summary>
    Sibling = 0x01,
    /// <summary>DW_AT_location</summary>
    Location = 0x02,
    /// <summary>DW_AT_name</summary>
    Name = 0x03,
    /// <summary>DW_AT_byte_size</summary>
    ByteSize = 0x0b,
    /// <summary>DW_AT_stmt_list</summary>
    StmtList = 0x10,
    /// <summary>DW_AT_low_pc</summary>
    LowPc = 0x11,
    /// <summary>DW_AT_high_pc</summary>
    HighPc = 0x12,
    /// <summary>DW_AT_language</summary>
    Language = 0x13,
    /// <summary>DW_AT_comp_dir</summary>
    CompDir = 0x1b,
    /// <summary>DW_AT_const_value</summary>
    ConstValue = 0x1c,
    /// <summary>DW_AT_inline</summary>
    Inline = 0x20,
    /// <summary>DW_AT_producer</summary>
    Producer = 0x25,
    /// <summary>DW_AT_upper_bound</summary>
    UpperBound = 0x2f,
    /// <summary>DW_AT_abstract_origin</summary>
    AbstractOrigin = 0x31,
    /// <summary>DW_AT_count</summary>
    Count = 0x37,
    /// <summary>DW_AT_data_member_location</summary>
    DataMemberLocation = 0x38,
    /// <summary>DW_AT_decl_file</summary>
    DeclFile = 0x3a,
    /// <summary>DW_AT_decl_line</summary>
    DeclLine = 0x3b,
    /// <summary>DW_AT_encoding</summary>
    Encoding = 0x3e,
    /// <summary>DW_AT_external</summary>
    External = 0x3f,
    /// <summary>DW_AT_frame_base</summary>
    FrameBase = 0x40,
    /// <summary>DW_AT_type</summary>
    Type = 0x49,
    /// <summary>DW_AT_ranges</summary>
    Ranges = 0x55,
    /// <summary>DW_AT_call_file</summary>
    CallFile = 0x58,
    /// <summary>DW_AT_call_line</summary>
    CallLine = 0x59,
    /// <summary>DW_AT_call_column</summary>
    CallColumn = 0x57,
    /// <summary>DW_AT_str_offsets_base</summary>
    StrOffsetsBase = 0x72,
    /// <summary>DW_AT_addr_base</summary>
    AddrBase = 0x73,
    /// <summary>DW_AT_rnglists_base</summary>
    RnglistsBase = 0x74,
    /// <summary>DW_AT_loclists_base</summary>
    LoclistsBase = 0x8c,
    /// <summary>DW_AT_go_kind: Go's reflect.Kind of a type.</summary>
    GoKind = 0x2900,
    /// <summary>DW_AT_go_key: the key type of a map.</summary>
    GoKey = 0x2901,
    /// <summary>DW_AT_go_elem: the element type of a map, channel, slice or pointer.</summary>
    GoElem = 0x2902,
    /// <summary>DW_AT_go_embedded_field: a struct member that is an embedded field.</summary>
    GoEmbeddedField = 0x2903,
    /// <summary>DW_AT_go_runtime_type: address of the runtime._type descriptor.</summary>
    GoRuntimeType = 0x2904,
    /// <summary>DW_AT_go_package_name</summary>
    GoPackageName = 0x2905,
    /// <summary>DW_AT_go_dict_index</summary>
    GoDictIndex = 0x2906,
    /// <summary>DW_AT_go_closure_offset</summary>
    GoClosureOffset = 0x2907,
}
