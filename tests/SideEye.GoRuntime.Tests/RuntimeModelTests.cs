using System.Text.RegularExpressions;
using SideEye.GoRuntime.Layouts;
using SideEye.Testing;

namespace SideEye.GoRuntime.Tests;

/// <summary>The runtime model against Go's own debug/dwarf (testdata/dwarfdump) and the runtime's source.</summary>
public partial class RuntimeModelTests
{
    [Theory]
    [MemberData(nameof(GoToolchains.Data), MemberType = typeof(GoToolchains))]
    public void FieldOffsetsMatchDebugDwarf(string release)
    {
        var binary = GoFixture.Build("demo", release);
        var model = GoBinary.Open(binary).Runtime;
        var structs = new Dictionary<string, Dictionary<string, (long Offset, string Type)>>();
        Dictionary<string, (long Offset, string Type)> Fields(string type)
        {
            if (structs.TryGetValue(type, out var known)) return known;
            var lines = DwarfDump.Run(binary, "struct", type);
            // Padding fields are all named "_": keep the first of each name.
            var fields = lines.Where(l => l.StartsWith("field ", StringComparison.Ordinal))
                .Select(l => FieldLine().Match(l))
                .GroupBy(m => m.Groups["name"].Value)
                .ToDictionary(g => g.Key, g => (long.Parse(g.First().Groups["offset"].Value), g.First().Groups["type"].Value));
            var size = lines.Single(l => l.StartsWith("type ", StringComparison.Ordinal));
            structs[type] = fields;
            structs[type + "#size"] = new() { ["size"] = (long.Parse(size[(size.LastIndexOf('=') + 1)..]), "") };
            return fields;
        }

        foreach (var spec in RuntimeFieldSpecs.All)
        {
            var location = model.Layout.TryGet(spec.Key);
            var owner = "runtime." + spec.Struct;
            long expected = 0;
            var present = true;
            foreach (var part in spec.Path.Split('.'))
            {
                if (!Fields(owner).TryGetValue(part, out var f)) { present = false; break; }
                expected += f.Offset;
                owner = f.Type;
            }
            Assert.Equal(present, location is not null);
            if (present) Assert.Equal(expected, location!.Value.Offset);
            if (spec.RequiredIn(GoBinary.Open(binary).Version)) Assert.True(present, $"{spec.Key} missing in go{release}");
        }
        Fields("runtime.g");
        Fields("runtime.m");
        Assert.Equal(structs["runtime.g#size"]["size"].Offset, model.Layout.GSize);
        Assert.Equal(structs["runtime.m#size"]["size"].Offset, model.Layout.MSize);
    }

    [Theory]
    [MemberData(nameof(GoToolchains.Data), MemberType = typeof(GoToolchains))]
    public void StatusesAndVariablesMatchDebugDwarf(string release)
    {
        var binary = GoFixture.Build("demo", release);
        var model = GoBinary.Open(binary).Runtime;
        var expected = DwarfDump.Run(binary, "const", "runtime._G")
            .Select(l => l.Split(' '))
            .Where(p => !p[1].StartsWith("runtime._GC") && !p[1].StartsWith("runtime._Goid"))
            .ToDictionary(p => p[1]["runtime.".Length..], p => long.Parse(p[2]));
        Assert.Equal(expected.OrderBy(kv => kv.Key), model.Statuses.ByName.OrderBy(kv => kv.Key));
        Assert.Equal("running", model.Statuses.Describe(model.Statuses.Running));
        Assert.Equal("waiting", model.Statuses.Describe(model.Statuses.Waiting | model.Statuses.ScanBit));

        var vars = DwarfDump.Run(binary, "var", "runtime.allgs", "runtime.allglen", "runtime.firstmoduledata")
            .ToDictionary(l => l.Split(' ')[1], l => Convert.ToUInt64(l.Split("addr=")[1], 16));
        Assert.Equal(vars["runtime.allgs"], model.Variables.AllGs);
        Assert.Equal(vars["runtime.allglen"], model.Variables.AllGLen);
        Assert.Equal(vars["runtime.firstmoduledata"], model.Variables.FirstModuleData);
    }

    /// <summary>Wait-reason strings read from the binary's data equal the table in the toolchain's runtime source.</summary>
    [Theory]
    [MemberData(nameof(GoToolchains.Data), MemberType = typeof(GoToolchains))]
    public void WaitReasonsMatchRuntimeSource(string release)
    {
        var toolchain = GoToolchains.Get(release);
        var binary = GoFixture.Build("demo", toolchain);
        var model = GoBinary.Open(binary).Runtime;
        var values = DwarfDump.Run(binary, "const", "runtime.waitReason")
            .Select(l => l.Split(' ')).ToDictionary(p => p[1]["runtime.".Length..], p => int.Parse(p[2]));
        var source = File.ReadAllText(Path.Combine(toolchain.GoRoot, "src", "runtime", "runtime2.go"));
        var table = source[source.IndexOf("var waitReasonStrings = [...]string{", StringComparison.Ordinal)..];
        table = table[..table.IndexOf("\n}", StringComparison.Ordinal)];
        var entries = WaitReasonEntry().Matches(table);
        Assert.True(entries.Count > 20);
        foreach (Match e in entries)
            Assert.Equal(e.Groups["text"].Value, model.WaitReasons.Strings[values[e.Groups["name"].Value]]);
        Assert.Equal(values.Values.Max() + 1, model.WaitReasons.Strings.Count);
    }

    [Theory]
    [MemberData(nameof(GoToolchains.Data), MemberType = typeof(GoToolchains))]
    public void StrippedBinaryHasItsRuntimeModelFromLayoutDataAndSaysWhyItHasNoDwarf(string release)
    {
        var bin = GoBinary.Open(GoFixture.Build("demo", release, GoBuildFlags.Stripped));
        Assert.Null(bin.Dwarf);
        Assert.False(bin.Runtime.Origin.FromDwarf);
        var message = bin.NoDwarf!;
        Assert.Contains("no DWARF", message);
        // Before Go 1.24 the linker writes no GNU build ID unless asked: the error says so, and how to have one.
        if (GoToolchains.Get(release).Minor < 24)
            Assert.Contains("looked at nothing by build ID (the executable has no GNU build ID: Go links one by default from 1.24", message);
        else
            Assert.NotNull(bin.Image.GnuBuildId);
    }

    [GeneratedRegex(@"^field \S+ (?<name>\S+) offset=(?<offset>\d+) type=(?<type>.*)$")]
    private static partial Regex FieldLine();

    [GeneratedRegex("(?<name>waitReason\\w+):\\s*\"(?<text>[^\"]*)\"")]
    private static partial Regex WaitReasonEntry();
}
