namespace SideEye.Bpf.Asm;

/// <summary>Formats one instruction the way the kernel verifier prints it (kernel/bpf/disasm.c), so logs and our dumps line up.</summary>
internal static class Disassembler
{
    public static string Format(Instruction ins, string? unresolvedTarget)
    {
        var op = ins.OpCode;
        switch (ins.Class)
        {
            case OpClass.Alu or OpClass.Alu64:
            {
                var r = ins.Class == OpClass.Alu64 ? "r" : "w";
                var alu = (AluOp)(op & 0xf0);
                var isReg = (op & (byte)Source.Reg) != 0;
                if (alu == AluOp.Neg) return $"{r}{(byte)ins.Dst} = -{r}{(byte)ins.Dst}";
                if (alu == AluOp.End) return $"r{(byte)ins.Dst} = {(isReg ? "be" : "le")}{ins.Constant} r{(byte)ins.Dst}";
                var src = isReg ? $"{r}{(byte)ins.Src}" : ((int)ins.Constant).ToString();
                return $"{r}{(byte)ins.Dst} {AluSymbol(alu)} {src}";
            }
            case OpClass.Ldx when (op & 0xe0) is (byte)Mode.Mem:
                return $"r{(byte)ins.Dst} = *({SizeName(op)} *)(r{(byte)ins.Src} {ins.Offset:+0;-0})";
            case OpClass.Stx when (op & 0xe0) is (byte)Mode.Mem:
                return $"*({SizeName(op)} *)(r{(byte)ins.Dst} {ins.Offset:+0;-0}) = r{(byte)ins.Src}";
            case OpClass.Stx when (op & 0xe0) is (byte)Mode.Atomic && ins.Constant == (long)AluOp.Add:
                return $"lock *({SizeName(op)} *)(r{(byte)ins.Dst} {ins.Offset:+0;-0}) += r{(byte)ins.Src}";
            case OpClass.St when (op & 0xe0) is (byte)Mode.Mem:
                return $"*({SizeName(op)} *)(r{(byte)ins.Dst} {ins.Offset:+0;-0}) = {(int)ins.Constant}";
            case OpClass.Ld when ins.IsLoadImm64:
                return (PseudoSource)ins.Src switch
                {
                    PseudoSource.MapFd when ins.MapName is not null => $"r{(byte)ins.Dst} = map[{ins.MapName}] ll",
                    PseudoSource.MapFd => $"r{(byte)ins.Dst} = map[fd:{ins.Constant}] ll",
                    PseudoSource.MapValue when ins.MapName is not null => $"r{(byte)ins.Dst} = map_value[{ins.MapName}]+{ins.Constant >> 32} ll",
                    PseudoSource.MapValue => $"r{(byte)ins.Dst} = map_value[fd:{(int)ins.Constant}]+{ins.Constant >> 32} ll",
                    PseudoSource.Func => $"r{(byte)ins.Dst} = func {Target(ins, unresolvedTarget, ins.Constant)}",
                    _ => $"r{(byte)ins.Dst} = 0x{ins.Constant:x} ll",
                };
            case OpClass.Jmp or OpClass.Jmp32:
            {
                var jop = (JumpOp)(op & 0xf0);
                if (jop == JumpOp.Exit) return "exit";
                if (jop == JumpOp.Call)
                    return ins.Src == (Register)PseudoSource.MapFd ? $"call {Target(ins, unresolvedTarget, ins.Constant)}" : $"call {ins.Constant}";
                if (jop == JumpOp.Always) return $"goto {Target(ins, unresolvedTarget, ins.Offset)}";
                var r = ins.Class == OpClass.Jmp ? "r" : "w";
                var rhs = (op & (byte)Source.Reg) != 0 ? $"{r}{(byte)ins.Src}" : $"0x{(uint)ins.Constant:x}";
                return $"if {r}{(byte)ins.Dst} {JumpSymbol(jop)} {rhs} goto {Target(ins, unresolvedTarget, ins.Offset)}";
            }
        }
        return $"(unknown opcode 0x{op:x2})";
    }

    static string Target(Instruction ins, string? unresolved, long delta) =>
        unresolved is not null ? "<" + unresolved + ">" : $"pc{delta:+0;-0}";

    static string SizeName(byte op) => (Size)(op & 0x18) switch { Size.B => "u8", Size.H => "u16", Size.W => "u32", _ => "u64" };

    static string AluSymbol(AluOp op) => op switch
    {
        AluOp.Add => "+=",
        AluOp.Sub => "-=",
        AluOp.Mul => "*=",
        AluOp.Div => "/=",
        AluOp.Or => "|=",
        AluOp.And => "&=",
        AluOp.Lsh => "<<=",
        AluOp.Rsh => ">>=",
        AluOp.Mod => "%=",
        AluOp.Xor => "^=",
        AluOp.Mov => "=",
        AluOp.Arsh => "s>>=",
        _ => "?=",
    };

    static string JumpSymbol(JumpOp op) => op switch
    {
        JumpOp.Eq => "==",
        JumpOp.Gt => ">",
        JumpOp.Ge => ">=",
        JumpOp.Set => "&",
        JumpOp.Ne => "!=",
        JumpOp.SGt => "s>",
        JumpOp.SGe => "s>=",
        JumpOp.Lt => "<",
        JumpOp.Le => "<=",
        JumpOp.SLt => "s<",
        JumpOp.SLe => "s<=",
        _ => "?",
    };
}
