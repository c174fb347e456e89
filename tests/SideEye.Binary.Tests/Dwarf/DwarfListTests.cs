using System.Globalization;
using System.Text.RegularExpressions;
using SideEye.Binary.Dwarf;
using SideEye.Binary.Dwarf.Expr;
using SideEye.Binary.Dwarf.Info;
using SideEye.Binary.Dwarf.Lists;
using SideEye.Testing;

namespace SideEye.Binary.Tests.Dwarf;

/// <summary>Range lists (.debug_ranges / .debug_rnglists) and location lists (.debug_loc / .debug_loclists).</summary>
public class DwarfListTests
{
    static IEnumerable<DwarfInlinedCall> Flatten(IEnumerable<DwarfInlinedCall> calls) =>
        calls.SelectMany(c => Flatten(c.InlinedCalls).Prepend(c));

    [Theory]
    [MemberData(nameof(GoToolchains.Data), MemberType = typeof(GoToolchains))]
    public void FunctionAndInlinedRangesMatchGoDebugDwarf(string release)
    {
        var binary = DwarfFixture.Layouts(release);
        var dwarf = DwarfFixture.Open(binary);
        // func 0xOFF NAME | inl 0xOFF, each followed by "range 0xLO 0xHI" lines.
        var expected = new Dictionary<int, List<DwarfRange>>();
        var names = new Dictionary<int, string>();
        List<DwarfRange>? current = null;
        foreach (var line in DwarfDump.Run(binary, "ranges"))
        {
            var p = line.Split(' ', 3);
            if (p[0] == "range") { current!.Add(new DwarfRange(Convert.ToUInt64(p[1], 16), Convert.ToUInt64(p[2], 16))); continue; }
            var offset = Convert.ToInt32(p[1], 16);
            expected[offset] = current = new();
            if (p[0] == "func") names[offset] = p[2];
        }

        var actual = new Dictionary<int, IReadOnlyList<DwarfRange>>();
        foreach (var f in dwarf.Functions)
        {
            actual[f.DieOffset] = f.Ranges;
            // debug/dwarf reports no name for out-of-line copies of inlinable functions; we follow the abstract origin.
            if (names[f.DieOffset].Length > 0) Assert.Equal(names[f.DieOffset], f.Name);
            else Assert.NotNull(f.Entry.Reference(DwarfAttribute.AbstractOrigin));
            foreach (var c in Flatten(f.InlinedCalls)) actual[c.DieOffset] = c.Ranges;
        }
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        var multiRange = 0;
        foreach (var (offset, ranges) in expected)
        {
            Assert.Equal((offset, string.Join(" ", ranges)), (offset, string.Join(" ", actual[offset])));
            if (ranges.Count > 1) multiRange++;
        }
        Assert.True(multiRange > 10, $"only {multiRange} DIEs use a real range list");
    }

    /// <summary>readelf --debug-dump=loc: "OFFSET BEGIN END (EXPR)" per entry (begin/end with readelf's idea of the base).</summary>
    static Dictionary<long, (ulong Begin, ulong End, string Expr, ulong Base)> ParseReadElfLoc(string[] lines)
    {
        var result = new Dictionary<long, (ulong, ulong, string, ulong)>();
        ulong @base = 0;
        foreach (var raw in lines)
        {
            var line = raw.Replace(" (start == end)", "").TrimEnd();
            var b = Regex.Match(line, @" ([0-9a-f]{16}) \(base address\)$");
            if (b.Success) { @base = ulong.Parse(b.Groups[1].Value, NumberStyles.HexNumber); continue; }
            var m = Regex.Match(line, @"^\s+([0-9a-f]{8}) ([0-9a-f]{16}) ([0-9a-f]{16}) \((.*)\)$");
            if (!m.Success) continue;
            // Register names are readelf's decoration: "DW_OP_reg0 (rax)", "DW_OP_breg7 (rsp): 8".
            var expr = Regex.Replace(m.Groups[4].Value, @" \([a-z][a-z0-9]*\)", "");
            result[long.Parse(m.Groups[1].Value, NumberStyles.HexNumber)] =
                (ulong.Parse(m.Groups[2].Value, NumberStyles.HexNumber), ulong.Parse(m.Groups[3].Value, NumberStyles.HexNumber), expr, @base);
        }
        return result;
    }

    [Theory]
    [MemberData(nameof(GoToolchains.Data), MemberType = typeof(GoToolchains))]
    public void LocationListsMatchReadelf(string release)
    {
        var binary = DwarfFixture.Layouts(release);
        var dwarf = DwarfFixture.Open(binary);
        var expected = ParseReadElfLoc(DwarfFixture.ReadElf(binary, "loc"));
        Assert.NotEmpty(expected);
        var compared = 0;
        foreach (var f in dwarf.Functions)
        {
            var variables = f.Variables.Select(v => (v, f.Ranges))
                .Concat(Flatten(f.InlinedCalls).SelectMany(c => c.Variables.Select(v => (v, f.Ranges))));
            foreach (var (v, ranges) in variables)
            {
                if (v.Location?.List is not { } list) continue;
                foreach (var e in list)
                {
                    Assert.True(expected.TryGetValue(e.EntryOffset, out var want), $"readelf has no entry at 0x{e.EntryOffset:x}");
                    Assert.Equal((e.EntryOffset, want.Expr), (e.EntryOffset, DwarfExpression.Disassemble(e.Expression)));
                    if (dwarf.Version < 5)
                        Assert.Equal((e.EntryOffset, want.Begin, want.End), (e.EntryOffset, e.Low, e.High));
                    else
                    {
                        // readelf 2.40 resolves DWARF 5 base_addressx without the unit's DW_AT_addr_base, so its
                        // absolute addresses are off; offsets from its base are right. Go bases each list at the
                        // function's low_pc (which the range test checks against debug/dwarf).
                        Assert.Equal((e.EntryOffset, want.Begin - want.Base, want.End - want.Base), (e.EntryOffset, e.Low - f.LowPc, e.High - f.LowPc));
                        Assert.True(ranges.Any(r => e.Low >= r.Low && e.High <= r.High), $"{f.Name} {v.Name}: {e.Low:x}-{e.High:x} outside {string.Join(",", ranges)}");
                    }
                    compared++;
                }
            }
        }
        Assert.True(compared > 1000, $"only {compared} location list entries compared");
    }

    [Theory]
    [MemberData(nameof(GoToolchains.Data), MemberType = typeof(GoToolchains))]
    public void LocationExpressionsEvaluateAtFunctionEntry(string release)
    {
        var dwarf = DwarfFixture.Open(DwarfFixture.Layouts(release));
        var evaluated = 0;
        foreach (var f in dwarf.Functions.Take(400))
        {
            var cfa = 0x7fff_0000UL;
            foreach (var v in f.Variables)
            {
                if (v.Location?.ExpressionAt(f.LowPc) is not { } expr) continue;
                var pieces = DwarfExpression.Evaluate(expr, new DwarfExpressionContext { FrameBase = cfa, Cfa = cfa, Register = r => (ulong)r * 0x100 });
                Assert.NotEmpty(pieces);
                Assert.All(pieces, p => Assert.True(p.Kind != DwarfPieceKind.Memory || p.Address >= cfa - 0x10000, $"{f.Name} {v.Name}: {p}"));
                evaluated++;
            }
        }
        Assert.True(evaluated > 100);
    }
}
