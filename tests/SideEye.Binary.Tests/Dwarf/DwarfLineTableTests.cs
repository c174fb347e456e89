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
        Assert.Equal(main.DieOffset, dwarf.FunctionFor(main.LowPc + 1)?.DieOffset);
    }

    [Theory]
    [MemberData(nameof(GoToolchains.Data), MemberType = typeof(GoToolchains))]
    public void InlinedFramesMatchRuntimeCallersFrames(string release)
    {
        // Each PC the fixture printed resolves alone to one frame: the innermost at that PC.
        var binary = GoFixture.Build("inlined", release);
        var dwarf = DwarfFixture.Open(binary);
        var compared = 0;
        foreach (var caller in InlinedFixture.Run(binary))
        {
            var pc = caller.Pc - 1; // a return address: the call is the byte before
            var frame = caller.Frames[0];
            if (!frame.Function.StartsWith("main.")) continue;
            var function = dwarf.FunctionFor(pc);
            Assert.True(function is not null, $"no function at 0x{pc:x}");
            var chain = function.InlineChainAt(pc);
            var innermost = chain.Count > 0 ? chain[0].Name : function.Name;
            // The runtime prints shape-instantiated generic functions as NAME[...]; DWARF spells out the shape.
            if (frame.Function.EndsWith("[...]")) innermost = System.Text.RegularExpressions.Regex.Replace(innermost, @"\[.*\]$", "[...]");
            var row = dwarf.LineFor(pc);
            Assert.Equal((pc, frame.Function, $"{frame.File}:{frame.Line}"), (pc, innermost, $"{row?.File}:{row?.Line}"));
            compared++;
        }
        Assert.True(compared >= 10, $"only {compared} frames compared");
    }
}
