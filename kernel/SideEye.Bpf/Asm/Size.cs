namespace SideEye.Bpf.Asm;

/// <summary>Access width of a load or store: bits 3-4 of a LD/LDX/ST/STX opcode.</summary>
public enum Size : byte
{
    /// <summary>BPF_W: 4 bytes.</summary>
    W = 0x00,
    /// <summary>BPF_H: 2 bytes.</summary>
    H = 0x08,
    /// <summary>BPF_B: 1 byte.</summary>
    B = 0x10,
    /// <summary>BPF_DW: 8 bytes.</summary>
    DW = 0x18,
}
