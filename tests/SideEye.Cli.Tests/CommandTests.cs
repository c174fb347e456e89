using System.Text.Json;
using SideEye.Binary.Elf;
using SideEye.Testing;

namespace SideEye.Cli.Tests;

public class CommandTests
{
    [Theory]
    [MemberData(nameof(GoToolchains.Data), MemberType = typeof(GoToolchains))]
    public void InspectReportsVersionDwarfAndRuntime(string release)
    {
        var toolchain = GoToolchains.Get(release);
        var binary = GoFixture.Build("demo", toolchain);
        var goVersion = toolchain.Run(RepoPaths.TestData, "version", binary).Split(' ')[1].Trim();

        var text = CliRunner.Run("inspect", binary);
        Assert.Equal(0, text.ExitCode);
        Assert.Contains($"go version     {goVersion}", text.StdoutLines);
        Assert.Contains(text.StdoutLines, l => l.StartsWith($"dwarf          version {(toolchain.Minor >= 25 ? 5 : 4)}, zlib-compressed", StringComparison.Ordinal));
        Assert.Contains(text.StdoutLines, l => l.Trim().StartsWith("g.sched.pc", StringComparison.Ordinal));

        var json = CliRunner.Run("inspect", binary, "--json");
        Assert.Equal(0, json.ExitCode);
        using var doc = JsonDocument.Parse(json.Stdout);
        var root = doc.RootElement;
        Assert.Equal(goVersion, root.GetProperty("goVersion").GetString());
        Assert.Equal("amd64", root.GetProperty("architecture").GetString());
        Assert.Equal(ElfImage.Open(binary).GoBuildId, root.GetProperty("goBuildId").GetString());
        var runtime = root.GetProperty("runtime");
        var fields = runtime.GetProperty("fields").EnumerateArray().ToDictionary(f => f.GetProperty("field").GetString()!, f => f.GetProperty("offset").GetInt32());
        var goid = DwarfDump.Run(binary, "struct", "runtime.g").Single(l => l.Contains(" goid "));
        Assert.Equal(int.Parse(goid.Split("offset=")[1].Split(' ')[0]), fields["g.goid"]);
        Assert.Contains("chan receive", runtime.GetProperty("waitReasons").EnumerateArray().Select(e => e.GetString()));

        var stripped = CliRunner.Run("inspect", GoFixture.Build("demo", toolchain, GoBuildFlags.Stripped));
        Assert.Equal(0, stripped.ExitCode);
        Assert.Contains("dwarf          none (stripped, and no separate debug file found)", stripped.StdoutLines);
        // Its runtime model comes from the release's layout data and the runtime's machine code: the same numbers.
        Assert.Contains(stripped.StdoutLines, l => l.StartsWith("runtime        g is ", StringComparison.Ordinal) && l.EndsWith("globals from machine code", StringComparison.Ordinal));
        var strippedJson = CliRunner.Run("inspect", GoFixture.Build("demo", toolchain, GoBuildFlags.Stripped), "--json");
        using var strippedDoc = JsonDocument.Parse(strippedJson.Stdout);
        Assert.Equal(fields, strippedDoc.RootElement.GetProperty("runtime").GetProperty("fields").EnumerateArray()
            .ToDictionary(f => f.GetProperty("field").GetString()!, f => f.GetProperty("offset").GetInt32()));

        // Stripped as distributions strip, with the debug file in a --debug-dir: the same model as the whole build.
        var split = GoFixture.Build("demo", toolchain, GoBuildFlags.SeparateDebugInfo);
        var found = CliRunner.Run("inspect", split, "--debug-dir", GoFixture.DebugDirectory, "--json");
        Assert.True(found.ExitCode == 0, found.Stderr);
        using var splitDoc = JsonDocument.Parse(found.Stdout);
        Assert.Equal(GoFixture.DebugFileOf(GoFixture.GnuBuildIdOf("demo", toolchain)), splitDoc.RootElement.GetProperty("dwarf").GetProperty("debugFile").GetString());
        var splitFields = splitDoc.RootElement.GetProperty("runtime").GetProperty("fields").EnumerateArray()
            .ToDictionary(f => f.GetProperty("field").GetString()!, f => f.GetProperty("offset").GetInt32());
        Assert.Equal(fields, splitFields);
    }

    [Theory]
    [MemberData(nameof(GoToolchains.Data), MemberType = typeof(GoToolchains))]
    public void Addr2LinePrintsExactlyWhatGoToolAddr2LinePrints(string release)
    {
        var toolchain = GoToolchains.Get(release);
        var binary = GoFixture.Build("demo", toolchain);
        var functions = ElfImage.Open(binary).Symbols.Where(s => s.Kind == ElfSymbolKind.Function && s.Size > 16).ToArray();
        var random = new Random(7);
        var pcs = Enumerable.Range(0, 200).Select(_ => functions[random.Next(functions.Length)])
            .Select(f => f.Value + (ulong)random.NextInt64((long)f.Size)).Append(0x10UL).ToArray();
        var expected = GoTool.Addr2Line(toolchain, binary, pcs).SelectMany(e => new[] { e.Function, e.Location }).ToArray();
        var half = pcs.Length / 2;
        // With and without 0x.
        var ours = CliRunner.Run(["addr2line", binary, .. pcs[..half].Select(pc => "0x" + pc.ToString("x")), .. pcs[half..].Select(pc => pc.ToString("X"))]);
        Assert.Equal(0, ours.ExitCode);
        Assert.Equal(expected, ours.StdoutLines);
    }

    /// <summary>cmd/go of each toolchain: a large program nobody here wrote, inspected and symbolized end to end.</summary>
    [Theory]
    [MemberData(nameof(GoToolchains.Data), MemberType = typeof(GoToolchains))]
    public void CmdGoInspectsAndSymbolizes(string release)
    {
        var toolchain = GoToolchains.Get(release);
        var binary = GoFixture.BuildCmdGo(toolchain);
        var json = CliRunner.Run("inspect", binary, "--json");
        Assert.Equal(0, json.ExitCode);
        using var doc = JsonDocument.Parse(json.Stdout);
        var fields = doc.RootElement.GetProperty("runtime").GetProperty("fields").EnumerateArray()
            .ToDictionary(f => f.GetProperty("field").GetString()!, f => f.GetProperty("offset").GetInt32());
        var g = DwarfDump.Run(binary, "struct", "runtime.g").Where(l => l.StartsWith("field ")).ToDictionary(l => l.Split(' ')[2], l => int.Parse(l.Split("offset=")[1].Split(' ')[0]));
        foreach (var name in new[] { "goid", "atomicstatus", "m", "waitreason", "gopc", "startpc" })
            Assert.Equal(g[name], fields["g." + name]);

        var functions = ElfImage.Open(binary).Symbols.Where(s => s.Kind == ElfSymbolKind.Function && s.Size > 0).ToArray();
        var random = new Random(11);
        var pcs = Enumerable.Range(0, 500).Select(_ => functions[random.Next(functions.Length)])
            .Select(f => f.Value + (ulong)random.NextInt64((long)f.Size)).ToArray();
        var expected = GoTool.Addr2Line(toolchain, binary, pcs).SelectMany(e => new[] { e.Function, e.Location });
        var ours = CliRunner.Run(["addr2line", binary, .. pcs.Select(pc => pc.ToString("x"))]);
        Assert.Equal(expected, ours.StdoutLines);
    }

    /// <summary>
    /// A cgo program linked by Go's linker, whose C functions have no Go compilation unit: every function's entry
    /// and middle, read from standard input as go tool addr2line reads them, answered as it answers them.
    /// </summary>
    [Theory]
    [MemberData(nameof(GoToolchains.Data), MemberType = typeof(GoToolchains))]
    public void Addr2LineOfACgoProgramReadsStdinAndAnswersEveryPc(string release)
    {
        var toolchain = GoToolchains.Get(release);
        var binary = GoFixture.Build("cgo", toolchain, GoBuildFlags.Cgo | GoBuildFlags.InternalLink);
        var functions = GoTool.Nm(toolchain, binary).Where(s => s.Kind is 'T' or 't').Select(s => s.Address).Distinct().Order().ToArray();
        var pcs = functions.Zip(functions.Skip(1), (a, b) => new[] { a, a + (b - a) / 2 }).SelectMany(p => p).ToArray();
        Assert.Contains(GoTool.Nm(toolchain, binary), s => s.Name == "x_cgo_unsetenv" || s.Name == "x_cgo_init");
        var expected = GoTool.Addr2Line(toolchain, binary, pcs).SelectMany(e => new[] { e.Function, e.Location }).ToArray();
        var ours = CliRunner.RunWithInput(string.Join('\n', pcs.Select(pc => "0x" + pc.ToString("x"))) + "\n", "addr2line", binary);
        Assert.True(ours.ExitCode == 0, ours.Stderr);
        Assert.Equal(expected, ours.StdoutLines);
    }

    [Theory]
    [MemberData(nameof(GoToolchains.Data), MemberType = typeof(GoToolchains))]
    public void Addr2LineInlinePrintsTheCallersFramesChain(string release)
    {
        var toolchain = GoToolchains.Get(release);
        var binary = GoFixture.Build("inlined", toolchain);
        foreach (var group in InlinedFixture.PhysicalFrames(toolchain, binary, InlinedFixture.Run(binary)))
        {
            var r = CliRunner.Run("addr2line", "--inline", binary, (group.Pc - 1).ToString("x"));
            Assert.Equal(0, r.ExitCode);
            Assert.Equal(group.Frames.Select(f => f.ToString()), r.StdoutLines);
        }
    }

    /// <summary>`sideeye types` against what the layouts program reports about its own types through reflect.</summary>
    [Theory]
    [MemberData(nameof(GoToolchains.Data), MemberType = typeof(GoToolchains))]
    public void TypesMatchesWhatTheProgramReportsAboutItself(string release)
    {
        var binary = GoFixture.Build("layouts", release);
        var psi = new System.Diagnostics.ProcessStartInfo(binary) { RedirectStandardOutput = true };
        using var p = System.Diagnostics.Process.Start(psi)!;
        var printed = p.StandardOutput.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        p.WaitForExit();
        var typeLines = printed.Where(l => l.StartsWith("type main.", StringComparison.Ordinal)).ToArray();
        Assert.True(typeLines.Length >= 8);
        foreach (var typeLine in typeLines)
        {
            // "type NAME size=S align=A kind=K"; generic names print without spaces in both.
            var name = typeLine.Split(' ')[1];
            var r = CliRunner.Run("types", binary, name);
            Assert.True(r.ExitCode == 0, r.Stderr);
            Assert.Equal(typeLine["type ".Length..], r.StdoutLines[0]);
            var expectedFields = printed.Where(l => l.StartsWith($"field {name} ", StringComparison.Ordinal))
                .Select(l => l.Split(' ')).Select(f => (Name: f[2], Offset: f[3]["offset=".Length..], Size: f[4]["size=".Length..])).ToArray();
            var ourFields = r.StdoutLines.Skip(1).Where(l => l.StartsWith("  +", StringComparison.Ordinal))
                .Select(l => l.Trim().Split(' ')).Select(f => (Name: f[1], Offset: f[0][1..], Size: f[^1].TrimEnd(')'))).ToArray();
            Assert.Equal(expectedFields, ourFields);
        }
    }
}
