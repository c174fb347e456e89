namespace SideEye.Bpf.Asm;

/// <summary>BPF registers: R0 return value, R1-R5 arguments (clobbered by calls), R6-R9 callee-saved, R10 frame pointer (read-only).</summary>
public enum Register : byte
{
    /// <summary>BPF_REG_0</summary>
    R0 = 0,
    /// <summary>BPF_REG_1</summary>
    R1 = 1,
    /// <summary>BPF_REG_2</summary>
    R2 = 2,
    /// <summary>BPF_REG_3</summary>
    R3 = 3,
    /// <summary>BPF_REG_4</summary>
    R4 = 4,
    /// <summary>BPF_REG_5</summary>
    R5 = 5,
    /// <summary>BPF_REG_6</summary>
    R6 = 6,
    /// <summary>BPF_REG_7</summary>
    R7 = 7,
    /// <summary>BPF_REG_8</summary>
    R8 = 8,
    /// <summary>BPF_REG_9</summary>
    R9 = 9,
    /// <summary>BPF_REG_10: the read-only frame pointer.</summary>
    R10 = 10,
}
