using SideEye.Binary.Dwarf.Expr;
using SideEye.Testing;

namespace SideEye.Binary.Tests.Dwarf;

/// <summary>
/// The expression machine driven by fake registers and memory (Delve's approach), with programs encoded by
/// hand from the DWARF 5 operation table, plus every expression a real Go binary contains.
/// </summary>
public class DwarfExpressionTests
{
    static readonly Dictionary<ulong, ulong> Memory = new() { [0x1000] = 0xdead_beef, [0x2008] = 0x1000 };

    static readonly DwarfExpressionContext Context = new()
    {
        Register = r => r switch { 7 => 0x2000UL, 0 => 42UL, _ => null },
        Cfa = 0x3000,
        FrameBase = 0x3000,
        ReadMemory = (address, dest) =>
        {
            if (!Memory.TryGetValue(address, out var v)) return false;
            BitConverter.GetBytes(v).AsSpan(0, dest.Length).CopyTo(dest);
            return true;
        },
    };

    [Fact]
    public void GoLocationShapesEvaluate()
    {
        // DW_OP_call_frame_cfa
        Assert.Equal(new DwarfPiece(DwarfPieceKind.Memory, 0, Address: 0x3000), DwarfExpression.Evaluate(new byte[] { 0x9c }, Context).Single());
        // DW_OP_fbreg -24
        Assert.Equal(0x3000UL - 24, DwarfExpression.Evaluate(new byte[] { 0x91, 0x68 }, Context).Single().Address);
        // DW_OP_breg7 +8; DW_OP_deref  → memory[0x2008] = 0x1000
        Assert.Equal(0x1000UL, DwarfExpression.Evaluate(new byte[] { 0x77, 0x08, 0x06 }, Context).Single().Address);
        // DW_OP_reg0; DW_OP_piece 8; DW_OP_fbreg 8; DW_OP_piece 8  (a string split between a register and the stack)
        var pieces = DwarfExpression.Evaluate(new byte[] { 0x50, 0x93, 0x08, 0x91, 0x08, 0x93, 0x08 }, Context);
        Assert.Equal([new DwarfPiece(DwarfPieceKind.Register, 8, Register: 0), new DwarfPiece(DwarfPieceKind.Memory, 8, Address: 0x3008)], pieces);
        // DW_OP_piece 8 alone: optimised-out first half
        Assert.Equal(DwarfPieceKind.Unavailable, DwarfExpression.Evaluate(new byte[] { 0x93, 0x08 }, Context)[0].Kind);
        // DW_OP_addr 0x4a1b20
        Assert.Equal(0x4a1b20UL, DwarfExpression.Evaluate(new byte[] { 0x03, 0x20, 0x1b, 0x4a, 0, 0, 0, 0, 0 }, Context).Single().Address);
    }

    [Fact]
    public void StackAndArithmeticFollowTheSpec()
    {
        // lit5 lit3 minus stack_value → 2
        Assert.Equal(2UL, DwarfExpression.Evaluate(new byte[] { 0x35, 0x33, 0x1c, 0x9f }, Context).Single().Value);
        // consts -4 constu 10 plus stack_value → 6
        Assert.Equal(6UL, DwarfExpression.Evaluate(new byte[] { 0x11, 0x7c, 0x10, 0x0a, 0x22, 0x9f }, Context).Single().Value);
        // lit1 lit2 swap minus → 2 - 1 = 1 ; over/dup/drop keep their operands
        Assert.Equal(1UL, DwarfExpression.Evaluate(new byte[] { 0x31, 0x32, 0x16, 0x1c, 0x9f }, Context).Single().Value);
        // lit0 bra +1 (not taken) lit7 skip +1 lit9 → lit7 on top ... skip jumps over lit9
        Assert.Equal(7UL, DwarfExpression.Evaluate(new byte[] { 0x30, 0x28, 0x01, 0x00, 0x37, 0x2f, 0x01, 0x00, 0x39, 0x9f }, Context).Single().Value);
        // DW_OP_deref_size 4 on 0x1000 → 0xdeadbeef
        Assert.Equal(0xdead_beefUL, DwarfExpression.Evaluate(new byte[] { 0x0a, 0x00, 0x10, 0x94, 0x04, 0x9f }, Context).Single().Value);
    }

    [Fact]
    public void BadProgramsFailCleanly()
    {
        Assert.Throws<BinaryFormatException>(() => DwarfExpression.Evaluate(new byte[] { 0x22 }, Context));          // plus on empty stack
        Assert.Throws<BinaryFormatException>(() => DwarfExpression.Evaluate(new byte[] { 0x91 }, Context));          // truncated SLEB
        Assert.Throws<BinaryFormatException>(() => DwarfExpression.Evaluate(new byte[] { 0x2f, 0xfd, 0xff }, Context)); // skip -3: an endless loop
        Assert.Throws<BinaryFormatException>(() => DwarfExpression.Evaluate(new byte[] { 0xe0 }, Context));          // unknown operation
        Assert.Throws<DwarfExpressionException>(() => DwarfExpression.Evaluate(new byte[] { 0x71, 0x00 }, Context));   // breg1: unknown register
        Assert.Throws<DwarfExpressionException>(() => DwarfExpression.Evaluate(new byte[] { 0x30, 0x06 }, Context));   // deref of unreadable 0
    }

    [Theory]
    [MemberData(nameof(GoToolchains.Data), MemberType = typeof(GoToolchains))]
    public void EveryExpressionInAGoBinaryDecodes(string release)
    {
        var dwarf = DwarfFixture.Open(DwarfFixture.Layouts(release));
        var count = 0;
        foreach (var f in dwarf.Functions)
        {
            foreach (var v in f.Variables)
            {
                IEnumerable<ReadOnlyMemory<byte>> exprs = v.Location?.Expression is { } e ? [e]
                    : v.Location?.List?.Select(x => x.Expression) ?? [];
                foreach (var expr in exprs)
                {
                    if (expr.Length == 0)
                    {
                        // An empty location: optimised out for that range.
                        Assert.Equal(DwarfPieceKind.Unavailable, DwarfExpression.Evaluate(expr, Context).Single().Kind);
                        continue;
                    }
                    Assert.StartsWith("DW_OP_", DwarfExpression.Disassemble(expr));
                    Assert.NotEmpty(DwarfExpression.Evaluate(expr, Context with { Register = r => 0x100UL * (ulong)r }));
                    count++;
                }
            }
        }
        Assert.True(count > 1000, $"only {count} expressions");
    }
}
