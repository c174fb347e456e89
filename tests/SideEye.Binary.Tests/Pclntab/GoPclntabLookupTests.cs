using SideEye.Binary.Pclntab;
using SideEye.Testing;

namespace SideEye.Binary.Tests.Pclntab;

/// <summary>Lookup against go tool addr2line of the same toolchain, on fixtures, stripped fixtures and real go commands.</summary>
public class GoPclntabLookupTests
{
    [Theory]
    [MemberData(nameof(GoToolchains.Data), MemberType = typeof(GoToolchains))]
    public void Fixtures_MatchAddr2Line(string release)
    {
        var toolchain = GoToolchains.Get(release);
        foreach (var program in new[] { "inlined", "demo" })
            foreach (var flags in new[] { GoBuildFlags.Default, GoBuildFlags.Stripped })
            {
                var binary = GoFixture.Build(program, toolchain, flags);
                var (_, table) = PclntabTargets.Open(binary);
                PclntabTargets.AssertMatchesAddr2Line(toolchain, binary, table, PclntabTargets.EntriesAndMidPcs(table));
            }
    }

    /// <summary>Position-independent layout: moduledata pointers are dynamic relocations there.</summary>
    [Theory]
    [MemberData(nameof(GoToolchains.Data), MemberType = typeof(GoToolchains))]
    public void PieFixture_MatchesAddr2Line(string release)
    {
        var toolchain = GoToolchains.Get(release);
        foreach (var flags in new[] { GoBuildFlags.Pie, GoBuildFlags.Pie | GoBuildFlags.Stripped })
        {
            var binary = GoFixture.Build("inlined", toolchain, flags);
            var (_, table) = PclntabTargets.Open(binary);
            Assert.True(table.ModuleData.Found, $"{binary}: runtime.firstmoduledata not found");
            var main = table.Functions.Single(f => f.Name == "main.main");
            if (GoTool.Addr2Line(toolchain, binary, [main.Entry])[0].Function != "?")
                PclntabTargets.AssertMatchesAddr2Line(toolchain, binary, table, PclntabTargets.EntriesAndMidPcs(table));
            else
            {
                // Go 1.19 links the PIE table as .data.rel.ro.gopclntab, which its addr2line cannot find ("?" for
                // every PC). Compare with the non-PIE build instead, itself checked against addr2line above.
                var (_, plain) = PclntabTargets.Open(GoFixture.Build("inlined", toolchain, flags & ~GoBuildFlags.Pie));
                Assert.Equal(plain.Functions.Select(f => f.Name).Order(), table.Functions.Select(f => f.Name).Order());
                // Names are not unique (1.19 stores generic instances as "[...]"): compare the entries' positions as multisets.
                static IEnumerable<string> MainEntries(GoPclntab t) => t.Functions
                    .Where(f => f.Name.StartsWith("main.", StringComparison.Ordinal))
                    .Select(f => t.Lookup(f.Entry)).Select(l => $"{l.Function} {l.FileLine}").Order(StringComparer.Ordinal);
                Assert.Equal(MainEntries(plain), MainEntries(table));
            }
            var leaf = table.Functions.Single(f => f.Name == "main.notInlined");
            Assert.NotEmpty(table.LookupInlined(leaf.Entry + (leaf.End - leaf.Entry) / 2));
        }
    }

    /// <summary>
    /// A program linked with C (testdata/cgo), externally by gcc and internally by Go's linker: linked internally,
    /// the C functions (the program's own, runtime/cgo's x_cgo_*, the resolver's) are in the function table with
    /// no Go compilation unit, and their file lookups wrap around cutab as debug/gosym's do. Every PC of the text,
    /// densely, answers as go tool addr2line does.
    /// </summary>
    [Theory]
    [MemberData(nameof(GoToolchains.Data), MemberType = typeof(GoToolchains))]
    public void CgoProgram_MatchesAddr2Line(string release)
    {
        var toolchain = GoToolchains.Get(release);
        foreach (var flags in new[] { GoBuildFlags.Cgo, GoBuildFlags.Cgo | GoBuildFlags.InternalLink })
        {
            var binary = GoFixture.Build("cgo", toolchain, flags);
            var (_, table) = PclntabTargets.Open(binary);
            var cFunctions = table.Functions.Count(f => f.Name.StartsWith("x_cgo_", StringComparison.Ordinal));
            if (flags.HasFlag(GoBuildFlags.InternalLink)) Assert.True(cFunctions > 0, $"{binary}: no x_cgo_ function in the function table");
            var first = table.Functions[0].Entry;
            var pcs = new List<ulong>();
            for (var pc = first; pc < table.Functions[^1].End; pc += 13) pcs.Add(pc);
            PclntabTargets.AssertMatchesAddr2Line(toolchain, binary, table, pcs);
        }
    }

    [Theory]
    [MemberData(nameof(GoToolchains.Data), MemberType = typeof(GoToolchains))]
    public void CmdGo_MatchesAddr2Line(string release)
    {
        var toolchain = GoToolchains.Get(release);
        var binary = GoFixture.BuildCmdGo(toolchain);
        var (_, table) = PclntabTargets.Open(binary);
        PclntabTargets.AssertMatchesAddr2Line(toolchain, binary, table, PclntabTargets.RandomPcs(table, 4000, seed: 1));
    }

    [Theory]
    [MemberData(nameof(GoToolchains.Data), MemberType = typeof(GoToolchains))]
    public void DistributedStrippedGo_MatchesAddr2Line(string release)
    {
        var toolchain = GoToolchains.Get(release);
        var binary = PclntabTargets.DistributedGo(toolchain);
        var (image, table) = PclntabTargets.Open(binary);
        Assert.Empty(image.Symbols);
        PclntabTargets.AssertMatchesAddr2Line(toolchain, binary, table, PclntabTargets.RandomPcs(table, 4000, seed: 2));
    }
}
