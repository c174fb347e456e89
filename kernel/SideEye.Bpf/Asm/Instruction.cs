namespace SideEye.Bpf.Asm;

/// <summary>
/// One eBPF instruction as a typed value: opcode, registers, offset and constant, plus symbolic metadata
/// (a label this pseudo-instruction defines, a label a jump or call refers to, a map a load refers to by name)
/// that <see cref="Instructions"/> resolves when it assembles. A 64-bit constant load occupies two slots.
/// </summary>
public readonly record struct Instruction
{
    /// <summary>The raw opcode byte: class in bits 0-2, then source/size and operation/mode bits.</summary>
    public byte OpCode { get; init; }
    public Register Dst { get; init; }
    /// <summary>Source register, or a <see cref="PseudoSource"/> on 64-bit loads and calls.</summary>
    public Register Src { get; init; }
    public short Offset { get; init; }
    /// <summary>The immediate; all 64 bits are used by the 64-bit load, 32 elsewhere.</summary>
    public long Constant { get; init; }

    /// <summary>Set on the zero-width pseudo-instruction made by <see cref="Asm.Label"/>: names the next instruction.</summary>
    public string? Label { get; init; }
    /// <summary>
    /// On a label: the label starts a global function taking this many u64 arguments. The verifier checks a global
    /// function once, on its own, with only its argument types known, instead of once per caller state.
    /// </summary>
    public int? GlobalArgs { get; init; }
    /// <summary>The label a jump, bpf-to-bpf call or function-pointer load targets.</summary>
    public string? Reference { get; init; }
    /// <summary>The map a 64-bit load refers to by name, resolved to an fd at load time.</summary>
    public string? MapName { get; init; }

    public OpClass Class => (OpClass)(OpCode & 0x07);
    public bool IsLabel => Label is not null;
    /// <summary>BPF_LD | BPF_IMM | BPF_DW: the only two-slot instruction.</summary>
    public bool IsLoadImm64 => !IsLabel && OpCode == ((byte)OpClass.Ld | (byte)Mode.Imm | (byte)Size.DW);
    /// <summary>Slots taken in the final program: 0 for a label, 2 for a 64-bit load, else 1.</summary>
    public int Width => IsLabel ? 0 : IsLoadImm64 ? 2 : 1;

    public override string ToString() => IsLabel ? Label + ":" : Disassembler.Format(this, null);
}
