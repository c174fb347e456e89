namespace SideEye.Binary.Dwarf.Expr;

/// <summary>DWARF expression opcodes (DW_OP_*). The lit/reg/breg families are ranges starting at Lit0/Reg0/Breg0.</summary>
public enum DwarfOp : byte
{
    /// <summary>DW_OP_addr</summary>
    Addr = 0x03,
    /// <summary>DW_OP_deref</summary>
    Deref = 0x06,
    /// <summary>DW_OP_const1u</summary>
    Const1u = 0x08,
    /// <summary>DW_OP_const1s</summary>
    Const1s = 0x09,
    /// <summary>DW_OP_const2u</summary>
    Const2u = 0x0a,
    /// <summary>DW_OP_const2s</summary>
    Const2s = 0x0b,
    /// <summary>DW_OP_const4u</summary>
    Const4u = 0x0c,
    /// <summary>DW_OP_const4s</summary>
    Const4s = 0x0d,
    /// <summary>DW_OP_const8u</summary>
    Const8u = 0x0e,
    /// <summary>DW_OP_const8s</summary>
    Const8s = 0x0f,
    /// <summary>DW_OP_constu</summary>
    Constu = 0x10,
    /// <summary>DW_OP_consts</summary>
    Consts = 0x11,
    /// <summary>DW_OP_dup</summary>
    Dup = 0x12,
    /// <summary>DW_OP_drop</summary>
    Drop = 0x13,
    /// <summary>DW_OP_over</summary>
    Over = 0x14,
    /// <summary>DW_OP_pick</summary>
    Pick = 0x15,
    /// <summary>DW_OP_swap</summary>
    Swap = 0x16,
    /// <summary>DW_OP_rot</summary>
    Rot = 0x17,
    /// <summary>DW_OP_abs</summary>
    Abs = 0x19,
    /// <summary>DW_OP_and</summary>
    And = 0x1a,
    /// <summary>DW_OP_div</summary>
    Div = 0x1b,
    /// <summary>DW_OP_minus</summary>
    Minus = 0x1c,
    /// <summary>DW_OP_mod</summary>
    Mod = 0x1d,
    /// <summary>DW_OP_mul</summary>
    Mul = 0x1e,
    /// <summary>DW_OP_neg</summary>
    Neg = 0x1f,
    /// <summary>DW_OP_not</summary>
    Not = 0x20,
    /// <summary>DW_OP_or</summary>
    Or = 0x21,
    /// <summary>DW_OP_plus</summary>
    Plus = 0x22,
    /// <summary>DW_OP_plus_uconst</summary>
    PlusUconst = 0x23,
    /// <summary>DW_OP_shl</summary>
    Shl = 0x24,
    /// <summary>DW_OP_shr</summary>
    Shr = 0x25,
    /// <summary>DW_OP_shra</summary>
    Shra = 0x26,
    /// <summary>DW_OP_xor</summary>
    Xor = 0x27,
    /// <summary>DW_OP_bra</summary>
    Bra = 0x28,
    /// <summary>DW_OP_eq</summary>
    Eq = 0x29,
    /// <summary>DW_OP_ge</summary>
    Ge = 0x2a,
    /// <summary>DW_OP_gt</summary>
    Gt = 0x2b,
    /// <summary>DW_OP_le</summary>
    Le = 0x2c,
    /// <summary>DW_OP_lt</summary>
    Lt = 0x2d,
    /// <summary>DW_OP_ne</summary>
    Ne = 0x2e,
    /// <summary>DW_OP_skip</summary>
    Skip = 0x2f,
    /// <summary>DW_OP_lit0 (lit1..lit31 follow)</summary>
    Lit0 = 0x30,
    /// <summary>DW_OP_lit31</summary>
    Lit31 = 0x4f,
    /// <summary>DW_OP_reg0 (reg1..reg31 follow)</summary>
    Reg0 = 0x50,
    /// <summary>DW_OP_reg31</summary>
    Reg31 = 0x6f,
    /// <summary>DW_OP_breg0 (breg1..breg31 follow)</summary>
    Breg0 = 0x70,
    /// <summary>DW_OP_breg31</summary>
    Breg31 = 0x8f,
    /// <summary>DW_OP_regx</summary>
    Regx = 0x90,
    /// <summary>DW_OP_fbreg</summary>
    Fbreg = 0x91,
    /// <summary>DW_OP_bregx</summary>
    Bregx = 0x92,
    /// <summary>DW_OP_piece</summary>
    Piece = 0x93,
    /// <summary>DW_OP_deref_size</summary>
    DerefSize = 0x94,
    /// <summary>DW_OP_nop</summary>
    Nop = 0x96,
    /// <summary>DW_OP_call_frame_cfa</summary>
    CallFrameCfa = 0x9c,
    /// <summary>DW_OP_implicit_value</summary>
    ImplicitValue = 0x9e,
    /// <summary>DW_OP_stack_value</summary>
    StackValue = 0x9f,
    /// <summary>DW_OP_addrx</summary>
    Addrx = 0xa1,
    /// <summary>DW_OP_constx</summary>
    Constx = 0xa2,
    /// <summary>DW_OP_entry_value: a value the caller passed, only recoverable from the caller's frame.</summary>
    EntryValue = 0xa3,
    /// <summary>DW_OP_GNU_entry_value (the pre-DWARF 5 spelling gcc uses in DWARF 4)</summary>
    GnuEntryValue = 0xf3,
}
