namespace SideEye.Bpf.Asm;

/// <summary>Operand source of an ALU or jump opcode: bit 3.</summary>
public enum Source : byte
{
    /// <summary>BPF_K: the 32-bit immediate.</summary>
    Imm = 0x00,
    /// <summary>BPF_X: the source register.</summary>
    Reg = 0x08,
}
