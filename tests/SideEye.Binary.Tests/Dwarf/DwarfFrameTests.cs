using System.Globalization;
using System.Text.RegularExpressions;
using SideEye.Binary.Dwarf.Frame;
using SideEye.Testing;

namespace SideEye.Binary.Tests.Dwarf;

public class DwarfFrameTests
{
    /// <summary>readelf --debug-dump=frames-interp: per FDE a pc range and rows "LOC CFA ra".</summary>
    static List<(ulong Begin, ulong End, List<(ulong Loc, string Cfa, string Ra)> Rows)> ParseReadElf(string[] lines)
    {
        var fdes = new List<(ulong, ulong, List<(ulong, string, string)>)>();
        List<(ulong, string, string)>? rows = null;
        foreach (var line in lines)
        {
            var fde = Regex.Match(line, @"FDE cie=\w+ pc=([0-9a-f]+)\.\.([0-9a-f]+)");
            if (fde.Success)
            {
                rows = new();
                fdes.Add((ulong.Parse(fde.Groups[1].Value, NumberStyles.HexNumber), ulong.Parse(fde.Groups[2].Value, NumberStyles.HexNumber), rows));
                continue;
            }
            if (line.Contains(" CIE ")) { rows = null; continue; }
            var row = Regex.Match(line, @"^([0-9a-f]{8,16}) (\S+)\s+(\S+)");
            if (rows is not null && row.Success)
                rows.Add((ulong.Parse(row.Groups[1].Value, NumberStyles.HexNumber), row.Groups[2].Value, row.Groups[3].Value));
        }
        return fdes;
    }

    [Theory]
    [MemberData(nameof(GoToolchains.Data), MemberType = typeof(GoToolchains))]
    public void CfaAndReturnAddressRulesMatchReadelf(string release)
    {
        var binary = DwarfFixture.Layouts(release);
        var dwarf = DwarfFixture.Open(binary);
        var fdes = ParseReadElf(DwarfFixture.ReadElf(binary, "frames-interp"));
        Assert.Equal(fdes.Count, dwarf.FrameTable!.Fdes.Count);
        var rng = new Random(7);
        var checkedPcs = 0;
        foreach (var (begin, end, rows) in fdes.Where(f => f.Rows.Count > 0).OrderBy(_ => rng.Next()).Take(150))
        {
            foreach (var pc in new[] { begin, begin + (ulong)rng.NextInt64((long)(end - begin)), end - 1 })
            {
                // The row in effect is the last one whose location is <= pc.
                var (_, cfa, ra) = rows.Last(r => r.Loc <= pc);
                var m = Regex.Match(cfa, @"^([a-z0-9]+)\+(\d+)$");
                Assert.True(m.Success, $"unexpected CFA {cfa}");
                var row = dwarf.FrameAt(pc)!;
                Assert.Equal((pc, FrameRuleKind.CfaRegisterOffset, DwarfFixture.RegisterNumber(m.Groups[1].Value), long.Parse(m.Groups[2].Value)),
                             (pc, row.Cfa.Kind, row.Cfa.Register, row.Cfa.Offset));
                Assert.Equal(row.Cfa, dwarf.CfaAt(pc));
                if (ra.StartsWith('c'))
                {
                    var raRule = row.Registers[row.ReturnAddressRegister];
                    Assert.Equal((pc, FrameRuleKind.Offset, long.Parse(ra[1..])), (pc, raRule.Kind, raRule.Offset));
                }
                checkedPcs++;
            }
        }
        Assert.True(checkedPcs > 300);
        Assert.Null(dwarf.CfaAt(0));
    }
}
