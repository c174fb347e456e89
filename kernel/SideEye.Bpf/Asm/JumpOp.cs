namespace SideEye.Bpf.Asm;

/// <summary>Jump operation: the high 4 bits of a JMP/JMP32 opcode. Comparisons are unsigned unless prefixed S.</summary>
public enum JumpOp : byte
{
    /// <summary>BPF_JA: unconditional.</summary>
    Always = 0x00,
    /// <summary>BPF_JEQ: ==</summary>
    Eq = 0x10,
    /// <summary>BPF_JGT: &gt; unsigned</summary>
    Gt = 0x20,
    /// <summary>BPF_JGE: &gt;= unsigned</summary>
    Ge = 0x30,
    /// <summary>BPF_JSET: &amp; is non-zero</summary>
    Set = 0x40,
    /// <summary>BPF_JNE: !=</summary>
    Ne = 0x50,
    /// <summary>BPF_JSGT: &gt; signed</summary>
    SGt = 0x60,
    /// <summary>BPF_JSGE: &gt;= signed</summary>
    SGe = 0x70,
    /// <summary>BPF_CALL: helper or bpf-to-bpf call.</summary>
    Call = 0x80,
    /// <summary>BPF_EXIT: return r0.</summary>
    Exit = 0x90,
    /// <summary>BPF_JLT: &lt; unsigned</summary>
    Lt = 0xa0,
    /// <summary>BPF_JLE: &lt;= unsigned</summary>
    Le = 0xb0,
    /// <summary>BPF_JSLT: &lt; signed</summary>
    SLt = 0xc0,
    /// <summary>BPF_JSLE: &lt;= signed</summary>
    SLe = 0xd0,
}
