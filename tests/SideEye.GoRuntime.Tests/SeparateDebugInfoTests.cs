using SideEye.Binary.DebugInfo;
using SideEye.Binary.Elf;
using SideEye.Testing;

namespace SideEye.GoRuntime.Tests;

/// <summary>
/// A program shipped as distributions ship it (stripped with objcopy, its DWARF and symbols in a debug file found by
/// GNU build ID or .gnu_debuglink) reads as the unstripped build does, on every release; a debug file that is not
/// this build's is refused, and the error for a binary without one says where it was looked for.
/// </summary>
public sealed class SeparateDebugInfoTests : IDisposable
{
    readonly string _folder = Directory.CreateTempSubdirectory("sideeye-debuginfo-").FullName;

    static DebugInfoSources In(params string[] directories) => DebugInfoSources.None with { Directories = directories };

    [Theory]
    [MemberData(nameof(GoToolchains.Data), MemberType = typeof(GoToolchains))]
    public void A_stripped_build_with_its_debug_file_has_the_unstripped_builds_runtime_model(string release)
    {
        var toolchain = GoToolchains.Get(release);
        var stripped = GoFixture.Build("parked", toolchain, GoBuildFlags.SeparateDebugInfo);
        var whole = GoBinary.Open(GoFixture.Build("parked", toolchain, GoBuildFlags.GnuBuildId));
        var image = ElfImage.Open(stripped);
        Assert.False(image.HasDwarf);
        Assert.Empty(image.Symbols);
        Assert.Equal(GoFixture.GnuBuildIdOf("parked", toolchain), image.GnuBuildId);

        var bin = GoBinary.Open(stripped, In(GoFixture.DebugDirectory));
        Assert.NotNull(bin.Dwarf);
        Assert.Equal(GoFixture.DebugFileOf(image.GnuBuildId!), bin.DebugFileAt);
        Assert.Equal(whole.Runtime.Variables, bin.Runtime.Variables);
        Assert.Equal(whole.Runtime.WaitReasons.Strings, bin.Runtime.WaitReasons.Strings);
        Assert.Equal(whole.Runtime.Statuses.ByName, bin.Runtime.Statuses.ByName);
        Assert.Equal(whole.Runtime.Layout.Fields.OrderBy(f => f.Key), bin.Runtime.Layout.Fields.OrderBy(f => f.Key));
        Assert.Equal(whole.Dwarf!.FunctionCount, bin.Dwarf.FunctionCount);
    }

    [Fact]
    public void Without_its_debug_file_a_stripped_build_says_where_it_looked()
    {
        var stripped = GoFixture.Build("parked", GoToolchains.Newest, GoBuildFlags.SeparateDebugInfo);
        var id = ElfImage.Open(stripped).GnuBuildId!;
        var bin = GoBinary.Open(stripped, In(_folder));
        Assert.Null(bin.Dwarf);
        var message = bin.NoDwarf!;
        Assert.DoesNotContain('\n', message);
        Assert.Contains("no DWARF", message);
        Assert.Contains(Path.Combine(_folder, ".build-id", id[..2], id[2..] + ".debug") + ": none", message);
        Assert.Contains(Path.Combine(Path.GetDirectoryName(stripped)!, ".debug", id[2..] + ".debug") + ": none", message);
    }

    [Fact]
    public void The_debuglink_finds_a_debug_file_beside_the_executable_and_refuses_one_whose_CRC_differs()
    {
        var toolchain = GoToolchains.Newest;
        var stripped = GoFixture.Build("parked", toolchain, GoBuildFlags.SeparateDebugInfo);
        var debugFile = GoFixture.DebugFileOf(GoFixture.GnuBuildIdOf("parked", toolchain));
        var link = ElfImage.Open(stripped).GnuDebugLink!.Value;
        Assert.Equal(Path.GetFileName(debugFile), link.FileName);
        var exe = Path.Combine(_folder, "parked");
        File.Copy(stripped, exe);
        var beside = Path.Combine(_folder, link.FileName);
        File.Copy(debugFile, beside);

        var found = GoBinary.Open(exe, In());
        Assert.NotNull(found.Dwarf);
        Assert.Equal(beside, found.DebugFileAt);

        // One byte changed in a section nobody reads: the CRC alone tells the file is not the one linked.
        var bytes = File.ReadAllBytes(beside);
        bytes[^1] ^= 0xff;
        File.WriteAllBytes(beside, bytes);
        var refused = GoBinary.Open(exe, In());
        Assert.Null(refused.Dwarf);
        Assert.Contains($"{beside}: CRC-32", refused.NoDwarf);
        Assert.Contains("not the debuglink's", refused.NoDwarf);
    }

    [Fact]
    public void Another_builds_debug_file_under_this_build_ID_is_refused()
    {
        var toolchain = GoToolchains.Newest;
        var stripped = GoFixture.Build("parked", toolchain, GoBuildFlags.SeparateDebugInfo);
        var id = GoFixture.GnuBuildIdOf("parked", toolchain);
        // The demo program's debug file (another build ID), put where this build's would be.
        var other = GoFixture.DebugFileOf(ElfImage.Open(GoFixture.Build("demo", toolchain, GoBuildFlags.SeparateDebugInfo)).GnuBuildId!);
        var misplaced = Path.Combine(_folder, ".build-id", id[..2], id[2..] + ".debug");
        Directory.CreateDirectory(Path.GetDirectoryName(misplaced)!);
        File.Copy(other, misplaced);
        var bin = GoBinary.Open(stripped, In(_folder), executablePath: Path.Combine(_folder, "elsewhere", "parked"));
        Assert.Null(bin.Dwarf);
        Assert.Contains($"{misplaced}: build ID {GoFixture.GnuBuildIdOf("demo", toolchain)}, not the executable's {id}", bin.NoDwarf);
    }

    [Fact]
    public void An_executable_with_DWARF_of_its_own_looks_nowhere()
    {
        var bin = GoBinary.Open(GoFixture.Build("parked", GoToolchains.Newest), In(_folder));
        Assert.NotNull(bin.Dwarf);
        Assert.Null(bin.DebugFileAt);
        Assert.Null(bin.NoDwarf);
    }

    public void Dispose() => Directory.Delete(_folder, true);
}
