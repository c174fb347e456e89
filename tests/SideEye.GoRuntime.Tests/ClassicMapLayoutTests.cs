using System.Text.RegularExpressions;
using SideEye.GoRuntime.Maps;
using SideEye.Testing;

namespace SideEye.GoRuntime.Tests;

/// <summary>
/// The classic map layout read from DWARF against what Go itself says: the bucket the compiler laid out (printed by
/// testdata/layouts from the map's type descriptor), runtime.hmap and the runtime constants as Go's debug/dwarf
/// reads them (testdata/dwarfdump), and the constants' values in the toolchain's runtime source.
/// </summary>
public partial class ClassicMapLayoutTests
{
    [Theory]
    [MemberData(nameof(GoToolchains.Data), MemberType = typeof(GoToolchains))]
    public void BucketOfMapStringStringMatchesTheCompiler(string release)
    {
        var bin = GoBinary.Open(GoFixture.Build("layouts", release));
        var mapType = bin.Dwarf!.FindType("map[string]string") ?? throw new InvalidOperationException("no map[string]string in the DWARF");
        var compiler = LayoutsProgram.StringMapBucket(release);

        // The program prints a bucket exactly where the toolchain has classic maps (Go 1.24 has Swiss tables).
        Assert.Equal(!bin.Version.AtLeast(1, 24), compiler is not null);
        Assert.Equal(compiler is not null, ClassicMapLayout.IsClassic(mapType));
        if (compiler is null) return;

        var layout = ClassicMapLayout.Read(mapType);
        Assert.Equal(compiler.Size, layout.BucketSize);
        Assert.Equal(compiler.Fields["topbits"], (layout.TopHash, layout.Slots)); // [N]uint8
        Assert.Equal(compiler.Fields["keys"], (layout.Keys, layout.KeySlot * layout.Slots));
        Assert.Equal(compiler.Fields["elems"], (layout.Values, layout.ValueSlot * layout.Slots));
        Assert.Equal(compiler.Fields["overflow"].Offset, layout.Overflow);
    }

    [Theory]
    [MemberData(nameof(GoToolchains.Data), MemberType = typeof(GoToolchains))]
    public void HeaderMatchesRuntimeHmapInDebugDwarf(string release)
    {
        var binary = GoFixture.Build("layouts", release);
        var bin = GoBinary.Open(binary);
        var mapType = bin.Dwarf!.FindType("map[string]string")!;
        var hmap = DwarfDump.Run(binary, "struct", "runtime.hmap");
        Assert.Equal(!bin.Version.AtLeast(1, 24), hmap.Count > 0);
        Assert.Equal(hmap.Count > 0, ClassicMapLayout.IsClassic(mapType));
        if (hmap.Count == 0) return;

        var fields = hmap.Skip(1).Select(l => HmapFieldLine().Match(l)).ToDictionary(m => m.Groups["name"].Value, m => (Offset: int.Parse(m.Groups["offset"].Value), Type: m.Groups["type"].Value));
        var layout = ClassicMapLayout.Read(mapType);
        Assert.Equal(int.Parse(hmap[0][(hmap[0].LastIndexOf('=') + 1)..]), layout.HeaderSize);
        foreach (var (name, location) in new[] { ("count", layout.Count), ("flags", layout.Flags), ("B", layout.B) })
            Assert.Equal((name, fields[name].Offset, fields[name].Type), (name, location.Offset, location.TypeName));
        Assert.Equal(fields["buckets"].Offset, layout.Buckets.Offset);
        Assert.Equal(fields["oldbuckets"].Offset, layout.OldBuckets.Offset);
    }

    [Theory]
    [MemberData(nameof(GoToolchains.Data), MemberType = typeof(GoToolchains))]
    public void ConstantsMatchDebugDwarfAndRuntimeSource(string release)
    {
        var toolchain = GoToolchains.Get(release);
        var binary = GoFixture.Build("layouts", toolchain);
        var bin = GoBinary.Open(binary);
        if (!ClassicMapLayout.IsClassic(bin.Dwarf!.FindType("map[string]string")!))
        {
            // Swiss-table releases keep the classic map out of the build: nothing to read, and reading says why.
            var e = Assert.Throws<SideEyeException>(() => ClassicMapConstants.Read(bin.Dwarf!));
            Assert.Contains("runtime.minTopHash", e.Message);
            return;
        }

        var constants = ClassicMapConstants.Read(bin.Dwarf!);
        var dwarf = DwarfDump.Run(binary, "const", "runtime.").Select(l => l.Split(' ')).ToDictionary(p => p[1], p => long.Parse(p[2]));
        var source = File.ReadAllText(Path.Combine(toolchain.GoRoot, "src", "runtime", "map.go"));
        foreach (var (name, value) in new[]
                 {
                     ("minTopHash", constants.MinTopHash), ("evacuatedX", constants.EvacuatedX),
                     ("evacuatedEmpty", constants.EvacuatedEmpty), ("sameSizeGrow", constants.SameSizeGrow),
                 })
        {
            Assert.Equal((name, dwarf["runtime." + name]), (name, (long)value));
            var declared = Regex.Match(source, $@"^\s*{name}\s*=\s*(\d+)", RegexOptions.Multiline);
            Assert.True(declared.Success, $"runtime/map.go of go{release} does not declare {name}");
            Assert.Equal((name, long.Parse(declared.Groups[1].Value)), (name, (long)value));
        }
    }

    [GeneratedRegex(@"^field runtime\.hmap (?<name>\S+) offset=(?<offset>\d+) type=(?<type>.*)$")]
    private static partial Regex HmapFieldLine();
}
