using System.Text;
using SideEye.Binary.Dwarf;

namespace SideEye.Binary.Dwarf.Expr;

/// <summary>
/// Decodes and evaluates DWARF expressions: the stack machine for the operations Go emits (addr, fbreg,
/// breg, reg, call_frame_cfa, piece, stack_value) plus constants, stack manipulation, arithmetic and
/// branches. A malformed expression throws <see cref="BinaryFormatException"/>; a valid one that needs
/// something the context cannot provide throws <see cref="DwarfExpressionException"/>.
/// </summary>
public static class DwarfExpression
{
    const int MaxSteps = 100_000; // branches can loop; a real location expression is a handful of operations

    public static IReadOnlyList<DwarfPiece> Evaluate(ReadOnlyMemory<byte> expression, DwarfExpressionContext context, string file = "<expression>")
    {
        var section = new DwarfSection(file, "DWARF expression", expression);
        var r = section.ReaderAt(0);
        var stack = new Stack<ulong>();
        var pieces = new List<DwarfPiece>();
        int? register = null;        // DW_OP_regN: the value is in a register, not memory
        var isValue = false;         // DW_OP_stack_value
        byte[]? implicitValue = null;
        var steps = 0;

        ulong Pop(ref DwarfReader rd) => stack.Count > 0 ? stack.Pop() : throw rd.Error("expression stack underflow");

        while (!r.AtEnd)
        {
            if (++steps > MaxSteps) throw r.Error("expression does not terminate");
            var at = r.Position;
            var op = r.U8();
            switch (op)
            {
                case (byte)DwarfOp.Addr: stack.Push(r.Address(context.PointerSize)); break;
                case (byte)DwarfOp.Addrx or (byte)DwarfOp.Constx:
                {
                    var index = r.Uleb();
                    stack.Push(context.AddressAtIndex?.Invoke(index) ?? throw new DwarfExpressionException($"{(DwarfOp)op} needs .debug_addr"));
                    break;
                }
                case (byte)DwarfOp.Deref: stack.Push(ReadMemory(context, Pop(ref r), context.PointerSize)); break;
                case (byte)DwarfOp.DerefSize:
                {
                    var size = r.U8();
                    if (size is 0 or > 8) throw section.Error($"DW_OP_deref_size {size}", at);
                    stack.Push(ReadMemory(context, Pop(ref r), size));
                    break;
                }
                case (byte)DwarfOp.Const1u: stack.Push(r.U8()); break;
                case (byte)DwarfOp.Const1s: stack.Push(unchecked((ulong)(sbyte)r.U8())); break;
                case (byte)DwarfOp.Const2u: stack.Push(r.U16()); break;
                case (byte)DwarfOp.Const2s: stack.Push(unchecked((ulong)(short)r.U16())); break;
                case (byte)DwarfOp.Const4u: stack.Push(r.U32()); break;
                case (byte)DwarfOp.Const4s: stack.Push(unchecked((ulong)(int)r.U32())); break;
                case (byte)DwarfOp.Const8u or (byte)DwarfOp.Const8s: stack.Push(r.U64()); break;
                case (byte)DwarfOp.Constu: stack.Push(r.Uleb()); break;
                case (byte)DwarfOp.Consts: stack.Push(unchecked((ulong)r.Sleb())); break;
                case (byte)DwarfOp.Dup: { var v = Pop(ref r); stack.Push(v); stack.Push(v); break; }
                case (byte)DwarfOp.Drop: Pop(ref r); break;
                case (byte)DwarfOp.Over or (byte)DwarfOp.Pick:
                {
                    var index = op == (byte)DwarfOp.Over ? 1 : r.U8();
                    if (index >= stack.Count) throw section.Error("expression stack underflow", at);
                    stack.Push(stack.ElementAt(index));
                    break;
                }
                case (byte)DwarfOp.Swap: { var a = Pop(ref r); var b = Pop(ref r); stack.Push(a); stack.Push(b); break; }
                case (byte)DwarfOp.Rot: { var a = Pop(ref r); var b = Pop(ref r); var c = Pop(ref r); stack.Push(a); stack.Push(c); stack.Push(b); break; }
                case (byte)DwarfOp.Abs: { var a = (long)Pop(ref r); stack.Push((ulong)(a < 0 ? -a : a)); break; }
                case (byte)DwarfOp.Neg: stack.Push(unchecked((ulong)-(long)Pop(ref r))); break;
                case (byte)DwarfOp.Not: stack.Push(~Pop(ref r)); break;
                case (byte)DwarfOp.PlusUconst: stack.Push(Pop(ref r) + r.Uleb()); break;
                case >= (byte)DwarfOp.And and <= (byte)DwarfOp.Xor or >= (byte)DwarfOp.Eq and <= (byte)DwarfOp.Ne:
                {
                    var b = Pop(ref r);
                    var a = Pop(ref r);
                    stack.Push(Binary((DwarfOp)op, a, b, section, at));
                    break;
                }
                case (byte)DwarfOp.Skip or (byte)DwarfOp.Bra:
                {
                    var delta = (short)r.U16();
                    if (op == (byte)DwarfOp.Bra && Pop(ref r) == 0) break;
                    var target = r.Position + delta;
                    if (target < 0 || target > r.End) throw section.Error($"branch to {target} outside the expression", at);
                    r.Position = target;
                    break;
                }
                case >= (byte)DwarfOp.Lit0 and <= (byte)DwarfOp.Lit31: stack.Push((ulong)(op - (byte)DwarfOp.Lit0)); break;
                case >= (byte)DwarfOp.Reg0 and <= (byte)DwarfOp.Reg31: register = op - (byte)DwarfOp.Reg0; break;
                case (byte)DwarfOp.Regx: register = (int)Math.Min(r.Uleb(), int.MaxValue); break;
                case >= (byte)DwarfOp.Breg0 and <= (byte)DwarfOp.Breg31:
                    stack.Push(RegisterValue(context, op - (byte)DwarfOp.Breg0) + unchecked((ulong)r.Sleb()));
                    break;
                case (byte)DwarfOp.Bregx:
                {
                    var reg = (int)Math.Min(r.Uleb(), int.MaxValue);
                    stack.Push(RegisterValue(context, reg) + unchecked((ulong)r.Sleb()));
                    break;
                }
                case (byte)DwarfOp.Fbreg:
                {
                    var fb = context.FrameBase ?? throw new DwarfExpressionException("DW_OP_fbreg without a frame base");
                    stack.Push(fb + unchecked((ulong)r.Sleb()));
                    break;
                }
                case (byte)DwarfOp.CallFrameCfa:
                    stack.Push(context.Cfa ?? throw new DwarfExpressionException("DW_OP_call_frame_cfa without a CFA"));
                    break;
                case (byte)DwarfOp.Nop: break;
                case (byte)DwarfOp.EntryValue or (byte)DwarfOp.GnuEntryValue:
                    r.Skip((long)Math.Min(r.Uleb(), int.MaxValue));
                    throw new DwarfExpressionException("DW_OP_entry_value needs the caller's frame");
                case (byte)DwarfOp.StackValue: isValue = true; break;
                case (byte)DwarfOp.ImplicitValue:
                {
                    var length = r.Uleb();
                    implicitValue = r.Bytes((long)Math.Min(length, int.MaxValue)).ToArray();
                    break;
                }
                case (byte)DwarfOp.Piece:
                {
                    var size = (int)Math.Min(r.Uleb(), int.MaxValue);
                    pieces.Add(Finish(size, stack, ref register, ref isValue, ref implicitValue));
                    break;
                }
                default:
                    throw section.Error($"unsupported DWARF operation 0x{op:x2}", at);
            }
        }
        if (pieces.Count == 0) pieces.Add(Finish(0, stack, ref register, ref isValue, ref implicitValue));
        return pieces;
    }

    static DwarfPiece Finish(int size, Stack<ulong> stack, ref int? register, ref bool isValue, ref byte[]? implicitValue)
    {
        DwarfPiece piece;
        if (register is { } reg) piece = new DwarfPiece(DwarfPieceKind.Register, size, Register: reg);
        else if (implicitValue is not null) piece = new DwarfPiece(DwarfPieceKind.ImplicitValue, size, Bytes: implicitValue);
        else if (stack.Count == 0) piece = new DwarfPiece(DwarfPieceKind.Unavailable, size);
        else if (isValue) piece = new DwarfPiece(DwarfPieceKind.Value, size, Value: stack.Peek());
        else piece = new DwarfPiece(DwarfPieceKind.Memory, size, Address: stack.Peek());
        register = null;
        isValue = false;
        implicitValue = null;
        stack.Clear();
        return piece;
    }

    static ulong Binary(DwarfOp op, ulong a, ulong b, DwarfSection section, int at) => op switch
    {
        DwarfOp.And => a & b,
        DwarfOp.Or => a | b,
        DwarfOp.Xor => a ^ b,
        DwarfOp.Plus => a + b,
        DwarfOp.Minus => a - b,
        DwarfOp.Mul => a * b,
        DwarfOp.Div => b == 0 ? throw section.Error("division by zero", at) : (ulong)((long)a / (long)b),
        DwarfOp.Mod => b == 0 ? throw section.Error("division by zero", at) : a % b,
        DwarfOp.Shl => b >= 64 ? 0 : a << (int)b,
        DwarfOp.Shr => b >= 64 ? 0 : a >> (int)b,
        DwarfOp.Shra => (ulong)((long)a >> (int)Math.Min(b, 63)),
        DwarfOp.Eq => a == b ? 1UL : 0,
        DwarfOp.Ne => a != b ? 1UL : 0,
        DwarfOp.Lt => (long)a < (long)b ? 1UL : 0,
        DwarfOp.Le => (long)a <= (long)b ? 1UL : 0,
        DwarfOp.Gt => (long)a > (long)b ? 1UL : 0,
        DwarfOp.Ge => (long)a >= (long)b ? 1UL : 0,
        _ => throw section.Error($"unsupported DWARF operation {op}", at),
    };

    static ulong RegisterValue(DwarfExpressionContext context, int register) =>
        context.Register(register) ?? throw new DwarfExpressionException($"register {register} is not available");

    static ulong ReadMemory(DwarfExpressionContext context, ulong address, int size)
    {
        Span<byte> buffer = stackalloc byte[8];
        buffer.Clear();
        if (context.ReadMemory is null || !context.ReadMemory(address, buffer[..size]))
            throw new DwarfExpressionException($"cannot read {size} bytes at 0x{address:x}");
        return System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(buffer);
    }

    /// <summary>
    /// Renders an expression as "DW_OP_name: operand; ..." (the readelf spelling, without register names).
    /// </summary>
    public static string Disassemble(ReadOnlyMemory<byte> expression, int addressSize = 8)
    {
        var section = new DwarfSection("<expression>", "DWARF expression", expression);
        var r = section.ReaderAt(0);
        var sb = new StringBuilder();
        while (!r.AtEnd)
        {
            if (sb.Length > 0) sb.Append("; ");
            var op = r.U8();
            switch (op)
            {
                case (byte)DwarfOp.Addr: sb.Append("DW_OP_addr: ").Append(r.Address(addressSize).ToString("x")); break;
                case (byte)DwarfOp.Const1u: sb.Append("DW_OP_const1u: ").Append(r.U8()); break;
                case (byte)DwarfOp.Const1s: sb.Append("DW_OP_const1s: ").Append((sbyte)r.U8()); break;
                case (byte)DwarfOp.Const2u: sb.Append("DW_OP_const2u: ").Append(r.U16()); break;
                case (byte)DwarfOp.Const2s: sb.Append("DW_OP_const2s: ").Append((short)r.U16()); break;
                case (byte)DwarfOp.Const4u: sb.Append("DW_OP_const4u: ").Append(r.U32()); break;
                case (byte)DwarfOp.Const4s: sb.Append("DW_OP_const4s: ").Append((int)r.U32()); break;
                case (byte)DwarfOp.Const8u: sb.Append("DW_OP_const8u: ").Append(r.U64()); break;
                case (byte)DwarfOp.Const8s: sb.Append("DW_OP_const8s: ").Append((long)r.U64()); break;
                case (byte)DwarfOp.Constu: sb.Append("DW_OP_constu: ").Append(r.Uleb()); break;
                case (byte)DwarfOp.Consts: sb.Append("DW_OP_consts: ").Append(r.Sleb()); break;
                case (byte)DwarfOp.Pick: sb.Append("DW_OP_pick: ").Append(r.U8()); break;
                case (byte)DwarfOp.PlusUconst: sb.Append("DW_OP_plus_uconst: ").Append(r.Uleb()); break;
                case (byte)DwarfOp.Skip: sb.Append("DW_OP_skip: ").Append((short)r.U16()); break;
                case (byte)DwarfOp.Bra: sb.Append("DW_OP_bra: ").Append((short)r.U16()); break;
                case >= (byte)DwarfOp.Lit0 and <= (byte)DwarfOp.Lit31: sb.Append("DW_OP_lit").Append(op - (byte)DwarfOp.Lit0); break;
                case >= (byte)DwarfOp.Reg0 and <= (byte)DwarfOp.Reg31: sb.Append("DW_OP_reg").Append(op - (byte)DwarfOp.Reg0); break;
                case >= (byte)DwarfOp.Breg0 and <= (byte)DwarfOp.Breg31:
                    sb.Append("DW_OP_breg").Append(op - (byte)DwarfOp.Breg0).Append(": ").Append(r.Sleb()); break;
                case (byte)DwarfOp.Regx: sb.Append("DW_OP_regx: ").Append(r.Uleb()); break;
                case (byte)DwarfOp.Bregx: sb.Append("DW_OP_bregx: ").Append(r.Uleb()).Append(' ').Append(r.Sleb()); break;
                case (byte)DwarfOp.Fbreg: sb.Append("DW_OP_fbreg: ").Append(r.Sleb()); break;
                case (byte)DwarfOp.Piece: sb.Append("DW_OP_piece: ").Append(r.Uleb()); break;
                case (byte)DwarfOp.DerefSize: sb.Append("DW_OP_deref_size: ").Append(r.U8()); break;
                case (byte)DwarfOp.Addrx: sb.Append("DW_OP_addrx: ").Append(r.Uleb()); break;
                case (byte)DwarfOp.Constx: sb.Append("DW_OP_constx: ").Append(r.Uleb()); break;
                case (byte)DwarfOp.EntryValue or (byte)DwarfOp.GnuEntryValue:
                {
                    var len = r.Uleb();
                    var inner = r.Bytes((long)Math.Min(len, int.MaxValue)).ToArray();
                    sb.Append(op == (byte)DwarfOp.EntryValue ? "DW_OP_entry_value: (" : "DW_OP_GNU_entry_value: (")
                      .Append(Disassemble(inner, addressSize)).Append(')');
                    break;
                }
                case (byte)DwarfOp.ImplicitValue:
                {
                    var len = r.Uleb();
                    sb.Append("DW_OP_implicit_value: ").Append(len);
                    r.Skip((long)Math.Min(len, int.MaxValue));
                    break;
                }
                default:
                    sb.Append(Enum.IsDefined((DwarfOp)op) ? "DW_OP_" + SnakeCase(((DwarfOp)op).ToString()) : $"DW_OP_0x{op:x2}");
                    break;
            }
        }
        return sb.ToString();
    }

    static string SnakeCase(string name)
    {
        var sb = new StringBuilder();
        foreach (var ch in name)
        {
            if (char.IsUpper(ch) && sb.Length > 0) sb.Append('_');
            sb.Append(char.ToLowerInvariant(ch));
        }
        return sb.ToString();
    }
}
