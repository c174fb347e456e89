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
