using System.Diagnostics;
using SideEye.Binary.Elf;
using SideEye.Testing;

namespace SideEye.Cli.Tests;

/// <summary>Bad input gives one line naming the file and the problem, exit code 1, and never a crash or a hang.</summary>
public class BadInputTests
{
    static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    static void AssertOneLineError(CliRunner.Result r, string file, string problem)
    {
        Assert.Equal(CliApp.ExitError, r.ExitCode);
        var line = Assert.Single(r.StderrLines);
        Assert.StartsWith("sideeye: ", line);
        Assert.Contains(file, line);
        Assert.Contains(problem, line);
        Assert.Empty(r.Stdout);
    }

    [Theory]
    [InlineData("inspect")]
    [InlineData("addr2line")]
    [InlineData("types")]
    public void MissingFile(string command)
    {
        var path = Path.Combine(Path.GetTempPath(), $"sideeye-missing-{Guid.NewGuid():n}");
        AssertOneLineError(CliRunner.Run(Args(command, path)), path, "no such file");
    }

    /// <summary>Options out of range: checked by the engine before anything is read or paused, one line, usage exit code.</summary>
    [Theory]
    [InlineData("--max-frames", "0", "--max-frames must be a whole number from 2 to 1024, not 0")]
    [InlineData("--max-frames", "5000", "--max-frames must be a whole number from 2 to 1024, not 5000")]
    [InlineData("--max-pause-ms", "0", "--max-pause-ms must be from 1 to 60000 milliseconds, not 0")]
    [InlineData("--max-pause-ms", "600000", "--max-pause-ms must be from 1 to 60000 milliseconds, not 600000")]
    public void SnapshotOptionsOutOfRange(string option, string value, string message)
    {
        var store = Path.Combine(Path.GetTempPath(), $"sideeye-options-{Guid.NewGuid():n}.duckdb");
        var r = CliRunner.Run("snapshot", "--pid", Environment.ProcessId.ToString(), "--out", store, option, value);
        Assert.Equal(CliApp.ExitUsage, r.ExitCode);
        Assert.Equal($"sideeye: {message}", Assert.Single(r.StderrLines));
        Assert.Empty(r.Stdout);
        Assert.False(File.Exists(store), "nothing is written for a refused option");
    }

    [Fact]
    public void NotAnElfFile()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, "#!/bin/sh\necho hello, this is not an executable of the ELF kind\n");
            AssertOneLineError(CliRunner.Run("inspect", path), path, "not an ELF file");
            File.WriteAllBytes(path, []);
            AssertOneLineError(CliRunner.Run("inspect", path), path, "not an ELF file");
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void ElfThatIsNotGo()
    {
        // A C program from the machine's own packages.
        var path = "/usr/bin/true";
        AssertOneLineError(CliRunner.Run("inspect", path), path, "not a Go binary");
        AssertOneLineError(CliRunner.Run("addr2line", path, "0x1000"), path, "not a Go binary");
    }

    [Theory]
    [InlineData("386", "32-bit ELF (i386)")]
    [InlineData("riscv64", "unsupported architecture: riscv64")]
    [InlineData("ppc64", "big-endian")]
    public void UnsupportedArchitecture(string goarch, string problem)
    {
        var binary = CrossBuild(GoToolchains.Newest, "inlined", goarch);
        AssertOneLineError(CliRunner.Run("inspect", binary), binary, problem);
    }

    /// <summary>arm64 is read too (4-byte PC quantum); two releases keep the cross-compilation time down.</summary>
    [Theory]
    [InlineData("1.19")]
    [InlineData("1.26")]
    public void Arm64BinarySymbolizesLikeGoToolAddr2line(string release)
    {
        var toolchain = GoToolchains.Get(release);
        var binary = CrossBuild(toolchain, "inlined", "arm64");
        var image = ElfImage.Open(binary);
        Assert.Equal(ElfArchitecture.Arm64, image.Architecture);
        var pcs = image.Symbols.Where(s => s.Kind == ElfSymbolKind.Function && s.Name.StartsWith("main.", StringComparison.Ordinal))
            .SelectMany(s => new[] { s.Value, s.Value + 8 }).ToArray();
        var expected = GoTool.Addr2Line(toolchain, binary, pcs);
        var r = CliRunner.Run(["addr2line", binary, .. pcs.Select(pc => pc.ToString("x"))]);
        Assert.Equal(0, r.ExitCode);
        Assert.Equal(expected.SelectMany(e => new[] { e.Function, e.Location }), r.StdoutLines);
    }

    [Fact]
    public void BadAddress()
    {
        var binary = GoFixture.Build("inlined", GoToolchains.Newest);
        var r = CliRunner.Run("addr2line", binary, "0xnothex");
        Assert.Equal(CliApp.ExitError, r.ExitCode);
        Assert.Contains("'0xnothex' is not a hexadecimal address", Assert.Single(r.StderrLines));
    }

    [Fact]
    public void UnknownTypeAndStrippedTypes()
    {
        var binary = GoFixture.Build("layouts", GoToolchains.Newest);
        AssertOneLineError(CliRunner.Run("types", binary, "main.NoSuchType"), binary, "no type named 'main.NoSuchType'");
        var stripped = GoFixture.Build("layouts", GoToolchains.Newest, GoBuildFlags.Stripped);
        AssertOneLineError(CliRunner.Run("types", stripped, "main.Order"), stripped, "no DWARF");
    }

    /// <summary>
    /// Real binaries cut short or with bytes flipped (in headers, the pclntab and the DWARF sections): every
    /// command answers or fails with one line, within a time limit. Any other exception fails the test.
    /// </summary>
    [Theory]
    [InlineData("1.19")]
    [InlineData("1.24")]
    [InlineData("1.26")]
    public void CorruptedBinaries(string release)
    {
        var original = File.ReadAllBytes(GoFixture.Build("inlined", release));
        var image = ElfImage.Parse("original", original);
        var interesting = image.Sections.Where(s => s.HasFileData && s.Size > 0 &&
            (s.Name.StartsWith(".debug_", StringComparison.Ordinal) || s.Name is ".gopclntab" or ".go.buildinfo" or ".note.go.buildid" or ".symtab" or ".strtab" or ".shstrtab" or ".noptrdata"))
            .ToArray();
        var random = new Random(1234 + release.GetHashCode(StringComparison.Ordinal));
        var pc = image.Symbols.First(s => s.Name == "main.main").Value;
        var path = Path.Combine(Path.GetTempPath(), $"sideeye-corrupt-{Guid.NewGuid():n}");
        var outcomes = new Dictionary<int, int>();
        try
        {
            for (var round = 0; round < 60; round++)
            {
                byte[] bytes;
                if (round % 3 == 0)
                {
                    bytes = original.AsSpan(0, random.Next(0, original.Length)).ToArray();
                }
                else
                {
                    bytes = (byte[])original.Clone();
                    var flips = random.Next(1, 16);
                    for (var i = 0; i < flips; i++)
                    {
                        long at;
                        if (round % 3 == 1) at = random.Next(0, 64) + (random.Next(2) == 0 ? 0 : BitConverter.ToInt64(original, 0x28)); // ELF or section headers
                        else { var s = interesting[random.Next(interesting.Length)]; at = s.FileOffset + random.NextInt64(s.Size); }
                        if (at < bytes.Length) bytes[at] ^= (byte)random.Next(1, 256);
                    }
                }
                File.WriteAllBytes(path, bytes);
                foreach (var args in new[] { new[] { "inspect", path, "--json" }, ["addr2line", "--inline", path, pc.ToString("x")], ["types", path, "main.acc"] })
                {
                    var r = CliRunner.RunBounded(Limit, args);
                    Assert.True(r.ExitCode is 0 or CliApp.ExitError, $"round {round}: exit {r.ExitCode}: {r.Stderr}");
                    if (r.ExitCode != 0)
                    {
                        var line = Assert.Single(r.StderrLines);
                        Assert.Contains(path, line);
                    }
                    outcomes[r.ExitCode] = outcomes.GetValueOrDefault(r.ExitCode) + 1;
                }
            }
        }
        finally { File.Delete(path); }
        // The corruption must actually be noticed some of the time, or this test proves nothing.
        Assert.True(outcomes.GetValueOrDefault(CliApp.ExitError) > 20, $"only {outcomes.GetValueOrDefault(CliApp.ExitError)} failures detected");
    }

    [Fact]
    public void ProcessExitCodeAndSingleLine()
    {
        // The real executable, as a user runs it: exit code 1 and exactly one line on stderr.
        var dll = Path.Combine(AppContext.BaseDirectory, "sideeye.dll");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in new[] { dll, "inspect", "/nonexistent/binary" }) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.Equal(1, p.ExitCode);
        Assert.Equal("sideeye: /nonexistent/binary: no such file", stderr.Trim());
    }

    static string[] Args(string command, string path) => command switch
    {
        "addr2line" => ["addr2line", path, "0x401000"],
        "types" => ["types", path, "main.Order"],
        _ => [command, path],
    };

    static string CrossBuild(GoToolchain toolchain, string program, string goarch)
    {
        var output = Path.Combine(RepoPaths.BuildOutput, toolchain.Release, $"{program}.{goarch}");
        if (!File.Exists(output))
        {
            var tmp = output + $".tmp{Environment.ProcessId}";
            toolchain.Run(RepoPaths.TestData, new Dictionary<string, string> { ["GOARCH"] = goarch }, "build", "-o", tmp, "./" + program);
            File.Move(tmp, output, overwrite: true);
        }
        return output;
    }
}
