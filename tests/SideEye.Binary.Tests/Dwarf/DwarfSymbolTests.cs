using SideEye.Binary.Elf;
using SideEye.Testing;

namespace SideEye.Binary.Tests.Dwarf;

public class DwarfSymbolTests
{
    [Theory]
    [MemberData(nameof(GoToolchains.Data), MemberType = typeof(GoToolchains))]
    public void GoroutineStatusConstantsMatchGoDebugDwarf(string release)
    {
        var binary = DwarfFixture.Layouts(release);
        var dwarf = DwarfFixture.Open(binary);
        var expected = DwarfDump.Run(binary, "const", "runtime._G").Select(l => l.Split(' ')).ToList();
        Assert.Contains(expected, p => p[1] == "runtime._Grunning");
        foreach (var p in expected)
            Assert.Equal((p[1], (long?)long.Parse(p[2])), (p[1], dwarf.FindConstant(p[1])));
        Assert.Equal(expected.Count, dwarf.Constants.Count(c => c.Key.StartsWith("runtime._G", StringComparison.Ordinal)));
    }

    [Theory]
    [MemberData(nameof(GoToolchains.Data), MemberType = typeof(GoToolchains))]
    public void PackageVariableAddressesMatchGoDebugDwarfAndTheSymbolTable(string release)
    {
        var binary = DwarfFixture.Layouts(release);
        var dwarf = DwarfFixture.Open(binary);
        string[] names = ["runtime.allgs", "runtime.allglen", "runtime.firstmoduledata"];
        var expected = DwarfDump.Run(binary, ["var", .. names]).Select(l => l.Split(' ')).ToDictionary(p => p[1], p => Convert.ToUInt64(p[2]["addr=0x".Length..], 16));
        var symbols = ElfImage.Open(binary).Symbols;
        foreach (var name in names)
        {
            Assert.Equal((name, (ulong?)expected[name]), (name, dwarf.FindVariableAddress(name)));
            Assert.Equal((name, symbols.First(s => s.Name == name).Value), (name, dwarf.FindVariableAddress(name)!.Value));
        }
    }
}
