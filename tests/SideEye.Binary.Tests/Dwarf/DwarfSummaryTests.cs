using SideEye.Binary.Dwarf;
using SideEye.Testing;

namespace SideEye.Binary.Tests.Dwarf;

public class DwarfSummaryTests
{
    [Theory]
    [MemberData(nameof(GoToolchains.Data), MemberType = typeof(GoToolchains))]
    public void UnitsFunctionsTypesAndVersionMatchGoDebugDwarf(string release)
    {
        var binary = DwarfFixture.Layouts(release);
        var dwarf = DwarfFixture.Open(binary);
        var expected = DwarfDump.Run(binary, "summary").Select(l => l.Split(' ')).ToDictionary(p => p[0], p => int.Parse(p[1]));

        Assert.Equal(expected["units"], dwarf.CompileUnits.Count);
        Assert.Equal(expected["version"], dwarf.Version);
        Assert.Equal(expected["funcs"], dwarf.FunctionCount);
        Assert.Equal(expected["types"], dwarf.TypeCount);
        Assert.Equal(GoToolchains.Get(release).Minor >= 25 ? 5 : 4, dwarf.Version);
        Assert.True(dwarf.IsCompressed, "Go compresses DWARF by default");
    }

    [Theory]
    [MemberData(nameof(GoToolchains.Data), MemberType = typeof(GoToolchains))]
    public void StrippedBinaryHasNoDwarf(string release)
    {
        var binary = GoFixture.Build("layouts", release, GoBuildFlags.Stripped);
        Assert.Null(SideEye.Binary.Dwarf.DwarfData.Load(SideEye.Binary.Elf.ElfImage.Open(binary)));
    }

    [Theory]
    [MemberData(nameof(GoToolchains.Data), MemberType = typeof(GoToolchains))]
    public void UncompressedDwarfReadsTheSame(string release)
    {
        var plain = DwarfFixture.Open(GoFixture.Build("layouts", release, GoBuildFlags.UncompressedDwarf));
        var compressed = DwarfFixture.Open(DwarfFixture.Layouts(release));
        Assert.False(plain.IsCompressed);
        Assert.Equal(compressed.CompileUnits.Count, plain.CompileUnits.Count);
        Assert.Equal(compressed.FunctionCount, plain.FunctionCount);
        Assert.Equal(compressed.FindType("runtime.g")!.Size, plain.FindType("runtime.g")!.Size);
    }
}
