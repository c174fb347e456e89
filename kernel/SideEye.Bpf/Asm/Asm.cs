namespace SideEye.Bpf.Asm;

/// <summary>
/// Builders that make program-building code read like assembly: <c>Asm.Mov64(R1, R10)</c>, <c>Asm.Add64Imm(R1, -8)</c>,
/// <c>Asm.JumpIf(JumpOp.Gt, R1, R2, "out")</c>. Jumps take labels; <see cref="Instructions"/> turns them into offsets.
/// </summary>
public static class Asm
{
    static byte Op(OpClass c, byte rest) => (byte)((byte)c | rest);

    // ---- ALU ----
    public static Instruction Alu64(AluOp op, Register dst, Register src) =>
        new() { OpCode = Op(OpClass.Alu64, (byte)((byte)op | (byte)Source.Reg)), Dst = dst, Src = src };
    public static Instruction Alu64Imm(AluOp op, Register dst, int imm) =>
        new() { OpCode = Op(OpClass.Alu64, (byte)((byte)op | (byte)Source.Imm)), Dst = dst, Constant = imm };
    public static Instruction Alu32(AluOp op, Register dst, Register src) =>
        new() { OpCode = Op(OpClass.Alu, (byte)((byte)op | (byte)Source.Reg)), Dst = dst, Src = src };
    public static Instruction Alu32Imm(AluOp op, Register dst, int imm) =>
        new() { OpCode = Op(OpClass.Alu, (byte)((byte)op | (byte)Source.Imm)), Dst = dst, Constant = imm };

    public static Instruction Mov64(Register dst, Register src) => Alu64(AluOp.Mov, dst, src);
    public static Instruction Mov64Imm(Register dst, int imm) => Alu64Imm(AluOp.Mov, dst, imm);
    public static Instruction Mov32(Register dst, Register src) => Alu32(AluOp.Mov, dst, src);
    public static Instruction Mov32Imm(Register dst, int imm) => Alu32Imm(AluOp.Mov, dst, imm);
    public static Instruction Add64(Register dst, Register src) => Alu64(AluOp.Add, dst, src);
    public static Instruction Add64Imm(Register dst, int imm) => Alu64Imm(AluOp.Add, dst, imm);
    public static Instruction Sub64(Register dst, Register src) => Alu64(AluOp.Sub, dst, src);
    public static Instruction Sub64Imm(Register dst, int imm) => Alu64Imm(AluOp.Sub, dst, imm);
    public static Instruction Mul64Imm(Register dst, int imm) => Alu64Imm(AluOp.Mul, dst, imm);
    public static Instruction And64Imm(Register dst, int imm) => Alu64Imm(AluOp.And, dst, imm);
    public static Instruction Or64(Register dst, Register src) => Alu64(AluOp.Or, dst, src);
    public static Instruction Lsh64Imm(Register dst, int imm) => Alu64Imm(AluOp.Lsh, dst, imm);
    public static Instruction Rsh64Imm(Register dst, int imm) => Alu64Imm(AluOp.Rsh, dst, imm);
    public static Instruction Neg64(Register dst) => Alu64Imm(AluOp.Neg, dst, 0);

    // ---- 64-bit constant loads (two slots) ----
    static readonly byte LdImm64 = Op(OpClass.Ld, (byte)((byte)Mode.Imm | (byte)Size.DW));

    public static Instruction LoadImm64(Register dst, long value) => new() { OpCode = LdImm64, Dst = dst, Constant = value };

    /// <summary>Loads a live map's address: the kernel swaps the fd for the map pointer (BPF_PSEUDO_MAP_FD).</summary>
    public static Instruction LoadMapPtr(Register dst, BpfMap map) =>
        new() { OpCode = LdImm64, Dst = dst, Src = (Register)PseudoSource.MapFd, Constant = map.Fd };

    /// <summary>Loads a map's address by name; the fd is filled in by <see cref="BpfProgram.Load"/> from its map table.</summary>
    public static Instruction LoadMapPtr(Register dst, string mapName) =>
        new() { OpCode = LdImm64, Dst = dst, Src = (Register)PseudoSource.MapFd, MapName = mapName };

    /// <summary>
    /// Loads the address of byte <paramref name="offset"/> inside the single value of an array map (BPF_PSEUDO_MAP_VALUE),
    /// so programs read configuration without a lookup call. The fd is filled in at load time.
    /// </summary>
    public static Instruction LoadMapValue(Register dst, string mapName, int offset) =>
        new() { OpCode = LdImm64, Dst = dst, Src = (Register)PseudoSource.MapValue, MapName = mapName, Constant = (long)offset << 32 };

    /// <summary>Loads the address of the subprogram at <paramref name="label"/> (BPF_PSEUDO_FUNC), e.g. a bpf_loop callback.</summary>
    public static Instruction LoadFuncPtr(Register dst, string label) =>
        new() { OpCode = LdImm64, Dst = dst, Src = (Register)PseudoSource.Func, Reference = label };

    // ---- memory ----
    /// <summary>dst = *(size *)(src + offset)</summary>
    public static Instruction LoadMem(Register dst, Register src, int offset, Size size) =>
        new() { OpCode = Op(OpClass.Ldx, (byte)((byte)Mode.Mem | (byte)size)), Dst = dst, Src = src, Offset = Off(offset) };

    /// <summary>*(size *)(dst + offset) = src</summary>
    public static Instruction StoreMem(Register dst, int offset, Register src, Size size) =>
        new() { OpCode = Op(OpClass.Stx, (byte)((byte)Mode.Mem | (byte)size)), Dst = dst, Src = src, Offset = Off(offset) };

    /// <summary>*(size *)(dst + offset) = imm</summary>
    public static Instruction StoreImm(Register dst, int offset, int imm, Size size) =>
        new() { OpCode = Op(OpClass.St, (byte)((byte)Mode.Mem | (byte)size)), Dst = dst, Offset = Off(offset), Constant = imm };

    /// <summary>lock *(size *)(dst + offset) += src: BPF_STX | BPF_ATOMIC with imm BPF_ADD; size W or DW only.</summary>
    public static Instruction AtomicAdd(Register dst, int offset, Register src, Size size) =>
        size is Size.W or Size.DW
            ? new() { OpCode = Op(OpClass.Stx, (byte)((byte)Mode.Atomic | (byte)size)), Dst = dst, Src = src, Offset = Off(offset), Constant = (int)AluOp.Add }
            : throw new ArgumentException($"atomic add needs a W or DW size, not {size}", nameof(size));

    // ---- control flow ----
    /// <summary>Names the next instruction; takes no slot.</summary>
    public static Instruction Label(string name) =>
        string.IsNullOrEmpty(name) ? throw new ArgumentException("a label needs a name", nameof(name)) : new() { Label = name };

    /// <summary>
    /// Starts a global function (BTF FUNC with global linkage) of <paramref name="args"/> u64 arguments in R1-R5,
    /// returning a u64. It is verified once, independently of its callers: arguments are unknown scalars and
    /// anything else it needs comes from map values it addresses itself. Call it with <see cref="CallLabel"/>.
    /// </summary>
    public static Instruction GlobalFunction(string name, int args) =>
        args is < 0 or > 5 ? throw new ArgumentOutOfRangeException(nameof(args), args, "a BPF function takes at most 5 arguments")
        : Label(name) with { GlobalArgs = args };

    public static Instruction Jump(string label) => new() { OpCode = Op(OpClass.Jmp, (byte)JumpOp.Always), Reference = label };

    /// <summary>if dst op src goto label (64-bit compare).</summary>
    public static Instruction JumpIf(JumpOp op, Register dst, Register src, string label) =>
        new() { OpCode = Op(OpClass.Jmp, (byte)((byte)CheckCompare(op) | (byte)Source.Reg)), Dst = dst, Src = src, Reference = label };

    /// <summary>if dst op imm goto label (64-bit compare against the sign-extended immediate).</summary>
    public static Instruction JumpIfImm(JumpOp op, Register dst, int imm, string label) =>
        new() { OpCode = Op(OpClass.Jmp, (byte)((byte)CheckCompare(op) | (byte)Source.Imm)), Dst = dst, Constant = imm, Reference = label };

    /// <summary>if wdst op wsrc goto label (32-bit compare).</summary>
    public static Instruction Jump32If(JumpOp op, Register dst, Register src, string label) =>
        new() { OpCode = Op(OpClass.Jmp32, (byte)((byte)CheckCompare(op) | (byte)Source.Reg)), Dst = dst, Src = src, Reference = label };

    /// <summary>if wdst op imm goto label (32-bit compare).</summary>
    public static Instruction Jump32IfImm(JumpOp op, Register dst, int imm, string label) =>
        new() { OpCode = Op(OpClass.Jmp32, (byte)((byte)CheckCompare(op) | (byte)Source.Imm)), Dst = dst, Constant = imm, Reference = label };

    /// <summary>Calls a kernel helper; arguments in R1-R5, result in R0, R1-R5 clobbered.</summary>
    public static Instruction Call(BpfHelper helper) => new() { OpCode = Op(OpClass.Jmp, (byte)JumpOp.Call), Constant = (int)helper };

    /// <summary>Calls the subprogram at <paramref name="label"/> (BPF_PSEUDO_CALL).</summary>
    public static Instruction CallLabel(string label) =>
        new() { OpCode = Op(OpClass.Jmp, (byte)JumpOp.Call), Src = (Register)PseudoSource.MapFd, Reference = label };

    public static Instruction Exit() => new() { OpCode = Op(OpClass.Jmp, (byte)JumpOp.Exit) };

    /// <summary>Memory offsets are 16-bit in the encoding; offsets come from BTF/DWARF as ints, so check here.</summary>
    static short Off(int offset) =>
        offset is >= short.MinValue and <= short.MaxValue ? (short)offset : throw new ArgumentOutOfRangeException(nameof(offset), offset, "memory offsets are 16-bit; add to the base register first");

    static JumpOp CheckCompare(JumpOp op) =>
        op is JumpOp.Always or JumpOp.Call or JumpOp.Exit ? throw new ArgumentException($"{op} is not a comparison", nameof(op)) : op;
}
