using SideEye.Testing;

namespace SideEye.Binary.Tests.Dwarf;

public class DwarfLineTableTests
{
    [Theory]
    [MemberData(nameof(GoToolchains.Data), MemberType = typeof(GoToolchains))]
    public void LineForMatchesGoDebugDwarfLineReader(string release)
    {
        var binary = DwarfFixture.Layouts(release);
        var dwarf = DwarfFixture.Open(binary);
        var pcs = DwarfFixture.SamplePcs(dwarf, 400, seed: 1);
        var expected = DwarfDump.Run(binary, ["lines", .. pcs.Select(pc => "0x" + pc.ToString("x"))])
            .Select(l => l.Split(' ', 3)).ToDictionary(p => Convert.ToUInt64(p[1][2..], 16), p => p[2]);
        Assert.True(expected.Count > pcs.Count * 3 / 4, $"debug/dwarf placed only {expected.Count} of {pcs.Count} PCs");
        foreach (var pc in pcs)
        {
            var row = dwarf.LineFor(pc);
            var actual = row is null ? null : $"{row.File}:{row.Line}";
            Assert.Equal((pc, expected.GetValueOrDefault(pc)), (pc, actual));
        }
    }

    [Theory]
    [MemberData(nameof(GoToolchains.Data), MemberType = typeof(GoToolchains))]
    public void DeclFileOfMainIsTheFixtureSource(string release)
    {
        var dwarf = DwarfFixture.Open(DwarfFixture.Layouts(release));
        var main = dwarf.FindFunction("main.main")!;
        Assert.EndsWith("testdata/layouts/main.go", main.DeclFile);
        Assert.True(main.Contains(main.LowPc));
        Assert.Contains(main.InlinedCalls, c => c.Name == "main.Rect.Area" && c.CallFile == main.DeclFile && c.CallLine > 0);
    }
}
