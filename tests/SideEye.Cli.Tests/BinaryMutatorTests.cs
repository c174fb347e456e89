using SideEye.Testing;
using SideEye.Testing.Fuzzing;

namespace SideEye.Cli.Tests;

/// <summary>The fuzz generator itself: deterministic, and each kind damages only the part of the file it names.</summary>
public class BinaryMutatorTests
{
    static readonly string Binary = GoFixture.Build("parked", "1.26");

    [Fact]
    public void SameSeedAndIndexGiveTheSameBytes()
    {
        var original = File.ReadAllBytes(Binary);
        var a = new BinaryMutator("parked", original, 7);
        var b = new BinaryMutator("parked", original, 7);
        for (var i = 0; i < 40; i++) Assert.Equal(a.Mutate(i).Bytes, b.Mutate(i).Bytes);
        Assert.NotEqual(a.Mutate(3).Bytes, new BinaryMutator("parked", original, 8).Mutate(3).Bytes);
    }

    [Theory]
    [InlineData(MutationKind.ElfHeader)]
    [InlineData(MutationKind.ProgramHeaders)]
    [InlineData(MutationKind.SectionHeaders)]
    [InlineData(MutationKind.Pclntab)]
    [InlineData(MutationKind.Dwarf)]
    [InlineData(MutationKind.BuildInfo)]
    public void FlipsStayInTheirRegion(MutationKind kind)
    {
        var original = File.ReadAllBytes(Binary);
        var regions = ElfRegions.Read("parked", original);
        IReadOnlyList<FileRegion> allowed = kind switch
        {
            MutationKind.ElfHeader => [ElfRegions.ElfHeader],
            MutationKind.ProgramHeaders => [regions.ProgramHeaders],
            MutationKind.SectionHeaders => [regions.SectionHeaders],
            MutationKind.Pclntab => [regions.Section(".gopclntab")!.Value],
            MutationKind.Dwarf => regions.Dwarf,
            _ => [regions.Section(".go.buildinfo")!.Value],
        };
        var mutator = new BinaryMutator("parked", original, 1);
        var changed = 0;
        for (var i = 0; i < 50; i++)
        {
            var bytes = mutator.Mutate(i, kind).Bytes;
            Assert.Equal(original.Length, bytes.Length);
            for (var at = 0L; at < bytes.Length; at++)
            {
                if (bytes[at] == original[at]) continue;
                changed++;
                Assert.True(allowed.Any(r => at >= r.Offset && at < r.Offset + r.Size), $"{kind} #{i} changed offset 0x{at:x}, outside its region");
            }
        }
        Assert.True(changed >= 50, $"only {changed} bytes changed in 50 {kind} mutations");
    }

    [Fact]
    public void TruncationsAreShorterAndStrippedBinariesHaveNoDwarfKind()
    {
        var original = File.ReadAllBytes(Binary);
        var mutator = new BinaryMutator("parked", original, 1);
        for (var i = 0; i < 20; i++) Assert.True(mutator.Mutate(i, MutationKind.Truncation).Bytes.Length < original.Length);
        var stripped = new BinaryMutator("parked.stripped", File.ReadAllBytes(GoFixture.Build("parked", "1.26", GoBuildFlags.Stripped)), 1);
        Assert.DoesNotContain(MutationKind.Dwarf, stripped.Kinds);
        Assert.Contains(MutationKind.Dwarf, mutator.Kinds);
    }
}
