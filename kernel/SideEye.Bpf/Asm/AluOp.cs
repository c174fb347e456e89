namespace SideEye.Bpf.Asm;

/// <summary>Arithmetic operation: the high 4 bits of an ALU/ALU64 opcode.</summary>
public enum AluOp : byte
{
    /// <summary>BPF_ADD</summary>
    Add = 0x00,
    /// <summary>BPF_SUB</summary>
    Sub = 0x10,
    /// <summary>BPF_MUL</summary>
    Mul = 0x20,
    /// <summary>BPF_DIV (unsigned)</summary>
    Div = 0x30,
    /// <summary>BPF_OR</summary>
    Or = 0x40,
    /// <summary>BPF_AND</summary>
    And = 0x50,
    /// <summary>BPF_LSH</summary>
    Lsh = 0x60,
    /// <summary>BPF_RSH (logical)</summary>
    Rsh = 0x70,
    /// <summary>BPF_NEG</summary>
    Neg = 0x80,
    /// <summary>BPF_MOD (unsigned)</summary>
    Mod = 0x90,
    /// <summary>BPF_XOR</summary>
    Xor = 0xa0,
    /// <summary>BPF_MOV</summary>
    Mov = 0xb0,
    /// <summary>BPF_ARSH (arithmetic shift right)</summary>
    Arsh = 0xc0,
    /// <summary>BPF_END (byte swap; source bit selects BPF_TO_LE/BPF_TO_BE)</summary>
    End = 0xd0,
}
