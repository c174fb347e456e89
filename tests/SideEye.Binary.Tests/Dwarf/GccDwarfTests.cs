using SideEye.Binary.Dwarf;
using SideEye.Binary.Dwarf.Expr;
using SideEye.Testing;

namespace SideEye.Binary.Tests.Dwarf;

/// <summary>
/// gcc writes DWARF 4 and 5 with forms Go does not use (line_strp, implicit_const, DW_RLE_offset_pair,
/// loclists with DW_LLE_view_pair-free lists), so a gcc-built program checks those paths against Go's debug/dwarf.
/// </summary>
public class GccDwarfTests
{
    public static IEnumerable<object[]> Versions => [[4], [5]];

    static string Build(int version)
    {
        var source = Path.Combine(RepoPaths.Root, "tests", "SideEye.Binary.Tests", "Dwarf", "Native", "dwarf_sample.c");
        var output = Path.Combine(RepoPaths.BuildOutput, "gcc", $"dwarf_sample.v{version}");
        if (File.Exists(output) && File.GetLastWriteTimeUtc(output) >= File.GetLastWriteTimeUtc(source)) return output;
        Directory.CreateDirectory(Path.GetDirectoryName(output)!);
        var tmp = output + $".tmp{Environment.ProcessId}";
        DwarfFixture.Run("gcc", "-O2", $"-gdwarf-{version}", "-o", tmp, source);
        File.Move(tmp, output, overwrite: true);
        return output;
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public void SummaryRangesAndLinesMatchGoDebugDwarf(int version)
    {
        var binary = Build(version);
        var dwarf = DwarfFixture.Open(binary);
        var summary = DwarfDump.Run(binary, "summary").Select(l => l.Split(' ')).ToDictionary(p => p[0], p => int.Parse(p[1]));
        Assert.Equal(version, dwarf.Version);
        Assert.Equal(summary["units"], dwarf.CompileUnits.Count);
        Assert.Equal(summary["funcs"], dwarf.FunctionCount);
        Assert.Equal(summary["types"], dwarf.TypeCount);

        var expected = new Dictionary<int, string>();
        int? current = null;
        foreach (var line in DwarfDump.Run(binary, "ranges"))
        {
            var p = line.Split(' ', 3);
            if (p[0] == "range") { expected[current!.Value] += $" [0x{Convert.ToUInt64(p[1], 16):x}, 0x{Convert.ToUInt64(p[2], 16):x})"; continue; }
            current = Convert.ToInt32(p[1], 16);
            expected[current.Value] = p[0] == "func" ? p[2] : "inl";
        }
        var actual = new Dictionary<int, string>();
        void AddInlined(IEnumerable<DwarfInlinedCall> calls)
        {
            foreach (var c in calls)
            {
                actual[c.DieOffset] = "inl" + string.Concat(c.Ranges.Select(r => " " + r));
                AddInlined(c.InlinedCalls);
            }
        }
        foreach (var f in dwarf.Functions)
        {
            actual[f.DieOffset] = f.Name + string.Concat(f.Ranges.Select(r => " " + r));
            AddInlined(f.InlinedCalls);
        }
        Assert.Equal(expected.OrderBy(k => k.Key), actual.OrderBy(k => k.Key));
        Assert.Contains(actual.Values, v => v.StartsWith("inl", StringComparison.Ordinal));

        var pcs = DwarfFixture.SamplePcs(dwarf, 60, seed: 5);
        var lines = DwarfDump.Run(binary, ["lines", .. pcs.Select(pc => "0x" + pc.ToString("x"))])
            .Select(l => l.Split(' ', 3)).ToDictionary(p => Convert.ToUInt64(p[1][2..], 16), p => p[2]);
        Assert.NotEmpty(lines);
        foreach (var pc in pcs)
        {
            var row = dwarf.LineFor(pc);
            Assert.Equal((pc, lines.GetValueOrDefault(pc)), (pc, row is null ? null : $"{row.File}:{row.Line}"));
        }

        // Every location list entry lies inside its function and its expression decodes.
        var lists = 0;
        foreach (var f in dwarf.Functions)
            foreach (var v in f.Variables.Concat(f.InlinedCalls.SelectMany(c => c.Variables)))
            {
                if (v.Location?.List is not { } list) continue;
                lists++;
                foreach (var e in list.Where(e => !e.IsDefault))
                {
                    Assert.True(f.Ranges.Any(r => e.Low >= r.Low && e.High <= r.High), $"{f.Name} {v.Name}: [{e.Low:x}, {e.High:x})");
                    Assert.StartsWith("DW_OP_", DwarfExpression.Disassemble(e.Expression));
                }
            }
        Assert.True(lists > 3, $"only {lists} location lists");

        var point = dwarf.FindType("point");
        Assert.NotNull(point);
        Assert.Equal(["x", "y", "weight"], point.Fields.Select(f => f.Name));
        Assert.Equal([0L, 4L, 8L], point.Fields.Select(f => f.Offset));
        Assert.Equal(16, point.Size);
    }
}
