namespace SideEye.Binary.Dwarf.Info;

/// <summary>Attribute encodings (DW_FORM_*), DWARF 2 through 5.</summary>
public enum DwarfForm : ushort
{
    /// <summary>DW_FORM_addr</summary>
    Addr = 0x01,
    /// <summary>DW_FORM_block2</summary>
    Block2 = 0x03,
    /// <summary>DW_FORM_block4</summary>
    Block4 = 0x04,
    /// <summary>DW_FORM_data2</summary>
    Data2 = 0x05,
    /// <summary>DW_FORM_data4</summary>
    Data4 = 0x06,
    /// <summary>DW_FORM_data8</summary>
    Data8 = 0x07,
    /// <summary>DW_FORM_string</summary>
    String = 0x08,
    /// <summary>DW_FORM_block</summary>
    Block = 0x09,
    /// <summary>DW_FORM_block1</summary>
    Block1 = 0x0a,
    /// <summary>DW_FORM_data1</summary>
    Data1 = 0x0b,
    /// <summary>DW_FORM_flag</summary>
    Flag = 0x0c,
    /// <summary>DW_FORM_sdata</summary>
    Sdata = 0x0d,
    /// <summary>DW_FORM_strp</summary>
    Strp = 0x0e,
    /// <summary>DW_FORM_udata</summary>
    Udata = 0x0f,
    /// <summary>DW_FORM_ref_addr</summary>
    RefAddr = 0x10,
    /// <summary>DW_FORM_ref1</summary>
    Ref1 = 0x11,
    /// <summary>DW_FORM_ref2</summary>
    Ref2 = 0x12,
    /// <summary>DW_FORM_ref4</summary>
    Ref4 = 0x13,
    /// <summary>DW_FORM_ref8</summary>
    Ref8 = 0x14,
    /// <summary>DW_FORM_ref_udata</summary>
    RefUdata = 0x15,
    /// <summary>DW_FORM_indirect</summary>
    Indirect = 0x16,
    /// <summary>DW_FORM_sec_offset</summary>
    SecOffset = 0x17,
    /// <summary>DW_FORM_exprloc</summary>
    Exprloc = 0x18,
    /// <summary>DW_FORM_flag_present</summary>
    FlagPresent = 0x19,
    /// <summary>DW_FORM_strx</summary>
    Strx = 0x1a,
    /// <summary>DW_FORM_addrx</summary>
    Addrx = 0x1b,
    /// <summary>DW_FORM_ref_sup4</summary>
    RefSup4 = 0x1c,
    /// <summary>DW_FORM_strp_sup</summary>
    StrpSup = 0x1d,
    /// <summary>DW_FORM_data16</summary>
    Data16 = 0x1e,
    /// <summary>DW_FORM_line_strp</summary>
    LineStrp = 0x1f,
    /// <summary>DW_FORM_ref_sig8</summary>
    RefSig8 = 0x20,
    /// <summary>DW_FORM_implicit_const</summary>
    ImplicitConst = 0x21,
    /// <summary>DW_FORM_loclistx</summary>
    Loclistx = 0x22,
    /// <summary>DW_FORM_rnglistx</summary>
    Rnglistx = 0x23,
    /// <summary>DW_FORM_ref_sup8</summary>
    RefSup8 = 0x24,
    /// <summary>DW_FORM_strx1</summary>
    Strx1 = 0x25,
    /// <summary>DW_FORM_strx2</summary>
    Strx2 = 0x26,
    /// <summary>DW_FORM_strx3</summary>
    Strx3 = 0x27,
    /// <summary>DW_FORM_strx4</summary>
    Strx4 = 0x28,
    /// <summary>DW_FORM_addrx1</summary>
    Addrx1 = 0x29,
    /// <summary>DW_FORM_addrx2</summary>
    Addrx2 = 0x2a,
    /// <summary>DW_FORM_addrx3</summary>
    Addrx3 = 0x2b,
    /// <summary>DW_FORM_addrx4</summary>
    Addrx4 = 0x2c,
    /// <summary>DW_FORM_GNU_addr_index</summary>
    GnuAddrIndex = 0x1f01,
    /// <summary>DW_FORM_GNU_str_index</summary>
    GnuStrIndex = 0x1f02,
}
