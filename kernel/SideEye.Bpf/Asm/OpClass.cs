namespace SideEye.Bpf.Asm;

/// <summary>Instruction class: the low 3 bits of the opcode.</summary>
public enum OpClass : byte
{
    /// <summary>BPF_LD: immediate loads (the 64-bit constant load lives here).</summary>
    Ld = 0x00,
    /// <summary>BPF_LDX: load from memory into a register.</summary>
    Ldx = 0x01,
    /// <summary>BPF_ST: store an immediate to memory.</summary>
    St = 0x02,
    /// <summary>BPF_STX: store a register to memory.</summary>
    Stx = 0x03,
    /// <summary>BPF_ALU: 32-bit arithmetic.</summary>
    Alu = 0x04,
    /// <summary>BPF_JMP: 64-bit compares, calls, exit.</summary>
    Jmp = 0x05,
    /// <summary>BPF_JMP32: 32-bit compares.</summary>
    Jmp32 = 0x06,
    /// <summary>BPF_ALU64: 64-bit arithmetic.</summary>
    Alu64 = 0x07,
}
