namespace SideEye.Bpf.Asm;

/// <summary>Addressing mode: the high 3 bits of a LD/LDX/ST/STX opcode.</summary>
public enum Mode : byte
{
    /// <summary>BPF_IMM: the 64-bit constant load (two slots).</summary>
    Imm = 0x00,
    /// <summary>BPF_ABS: legacy packet access.</summary>
    Abs = 0x20,
    /// <summary>BPF_IND: legacy packet access.</summary>
    Ind = 0x40,
    /// <summary>BPF_MEM: register + offset.</summary>
    Mem = 0x60,
    /// <summary>BPF_MEMSX: sign-extending load.</summary>
    MemSX = 0x80,
    /// <summary>BPF_ATOMIC: atomic read-modify-write.</summary>
    Atomic = 0xc0,
}
