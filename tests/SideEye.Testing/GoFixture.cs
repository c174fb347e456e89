using System.Collections.Concurrent;

namespace SideEye.Testing;

/// <summary>
/// Builds the Go programs under testdata/ on demand, once per (program, release, flags), into
/// testdata/.build/. A compile error fails the calling test with the compiler's output.
/// </summary>
public static class GoFixture
{
    static readonly ConcurrentDictionary<string, Lazy<string>> Built = new();

    public static string Build(string program, string release, GoBuildFlags flags = GoBuildFlags.Default) =>
        Build(program, GoToolchains.Get(release), flags);

    public static string Build(string program, GoToolchain toolchain, GoBuildFlags flags = GoBuildFlags.Default)
    {
        var output = Path.Combine(RepoPaths.BuildOutput, toolchain.Release, flags == GoBuildFlags.Default ? program : $"{program}.{FlagSuffix(flags)}");
        return Built.GetOrAdd(output, o => new Lazy<string>(() => BuildNow(program, toolchain, flags, o))).Value;
    }

    /// <summary>Builds the toolchain's own cmd/go with DWARF kept: a large Go program nobody here wrote.</summary>
    public static string BuildCmdGo(GoToolchain toolchain)
    {
        var output = Path.Combine(RepoPaths.BuildOutput, toolchain.Release, "cmd-go");
        return Built.GetOrAdd(output, o => new Lazy<string>(() =>
        {
            if (IsFresh(o, Path.Combine(toolchain.GoRoot, "VERSION"))) return o;
            Directory.CreateDirectory(Path.GetDirectoryName(o)!);
            toolchain.Run(Path.Combine(toolchain.GoRoot, "src"), "build", "-o", o + TmpSuffix, "cmd/go");
            File.Move(o + TmpSuffix, o, overwrite: true);
            return o;
        })).Value;
    }

    /// <summary>Where Debian's golang-*-dev packages put their Go sources: the GOPATH of programs built from them.</summary>
    public const string DebianGopath = "/usr/share/gocode";

    /// <summary>
    /// Builds testdata/grpc/<paramref name="program"/> in GOPATH mode against Debian's packaged sources (grpc-go from
    /// golang-google-grpc-dev and its dependencies), as Debian builds its Go packages: no module, no download.
    /// </summary>
    public static string BuildInGopath(string program, GoToolchain toolchain)
    {
        var output = Path.Combine(RepoPaths.BuildOutput, toolchain.Release, program);
        return Built.GetOrAdd(output, o => new Lazy<string>(() =>
        {
            var sourceDir = Path.Combine(RepoPaths.TestData, "grpc", program);
            if (!Directory.Exists(sourceDir)) throw new ArgumentException($"no Go program testdata/grpc/{program}");
            if (!Directory.Exists(Path.Combine(DebianGopath, "src", "google.golang.org", "grpc")))
                throw new InvalidOperationException($"grpc-go's sources are not in {DebianGopath}: apt-get install golang-google-grpc-dev (the README's test command does)");
            if (IsFresh(o, Directory.GetFiles(sourceDir, "*.go"))) return o;
            Directory.CreateDirectory(Path.GetDirectoryName(o)!);
            toolchain.Run(sourceDir, new Dictionary<string, string> { ["GO111MODULE"] = "off", ["GOPATH"] = DebianGopath }, "build", "-o", o + TmpSuffix, ".");
            File.Move(o + TmpSuffix, o, overwrite: true);
            return o;
        })).Value;
    }

    /// <summary>The debug directory <see cref="GoBuildFlags.SeparateDebugInfo"/> builds put their debug files in (by build ID).</summary>
    public static string DebugDirectory => Path.Combine(RepoPaths.BuildOutput, "debug");

    /// <summary>Where the debug file of a <see cref="GoBuildFlags.SeparateDebugInfo"/> build with this GNU build ID is.</summary>
    public static string DebugFileOf(string gnuBuildId) => Path.Combine(DebugDirectory, ".build-id", gnuBuildId[..2], gnuBuildId[2..] + ".debug");

    /// <summary>The GNU build ID a <see cref="GoBuildFlags.GnuBuildId"/> build of <paramref name="program"/> by <paramref name="toolchain"/> carries.</summary>
    public static string GnuBuildIdOf(string program, GoToolchain toolchain) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA1.HashData(System.Text.Encoding.UTF8.GetBytes($"sideeye testdata {program} {toolchain.Release}")));

    static string BuildNow(string program, GoToolchain toolchain, GoBuildFlags flags, string output)
    {
        var sourceDir = Path.Combine(RepoPaths.TestData, program);
        if (!Directory.Exists(sourceDir)) throw new ArgumentException($"no Go program testdata/{program}");
        // C sources count too (testdata/cgo has a .c file beside its Go).
        if (IsFresh(output, Directory.GetFiles(sourceDir).Where(f => f.EndsWith(".go", StringComparison.Ordinal) || f.EndsWith(".c", StringComparison.Ordinal)).Append(Path.Combine(RepoPaths.TestData, "go.mod")).ToArray())
            && (!flags.HasFlag(GoBuildFlags.SeparateDebugInfo) || File.Exists(DebugFileOf(GnuBuildIdOf(program, toolchain))))) return output;
        Directory.CreateDirectory(Path.GetDirectoryName(output)!);
        var args = new List<string> { "build", "-o", output + TmpSuffix };
        var ldflags = new List<string>();
        if (flags.HasFlag(GoBuildFlags.NoOptimizations)) args.Add("-gcflags=all=-N -l");
        if (flags.HasFlag(GoBuildFlags.Stripped)) ldflags.AddRange(["-s", "-w"]);
        if (flags.HasFlag(GoBuildFlags.UncompressedDwarf)) ldflags.Add("-compressdwarf=false");
        if (flags.HasFlag(GoBuildFlags.InternalLink)) ldflags.Add("-linkmode=internal");
        // -B gobuildid only from Go 1.22; an explicit ID works on every release.
        if (flags.HasFlag(GoBuildFlags.GnuBuildId) || flags.HasFlag(GoBuildFlags.SeparateDebugInfo)) ldflags.Add("-B 0x" + GnuBuildIdOf(program, toolchain));
        if (flags.HasFlag(GoBuildFlags.Pie)) args.Add("-buildmode=pie");
        if (flags.HasFlag(GoBuildFlags.Trimpath)) args.Add("-trimpath");
        if (ldflags.Count > 0) args.Add("-ldflags=" + string.Join(' ', ldflags));
        args.Add("./" + program);
        toolchain.Run(RepoPaths.TestData, flags.HasFlag(GoBuildFlags.Cgo) ? new Dictionary<string, string> { ["CGO_ENABLED"] = "1" } : null, args.ToArray());
        if (flags.HasFlag(GoBuildFlags.SeparateDebugInfo)) SplitDebugInfo(output + TmpSuffix, DebugFileOf(GnuBuildIdOf(program, toolchain)));
        File.Move(output + TmpSuffix, output, overwrite: true);
        return output;
    }

    /// <summary>What dh_strip does: the debug file kept aside, the executable stripped and linked to it by name and CRC.</summary>
    static void SplitDebugInfo(string executable, string debugFile)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(debugFile)!);
        Objcopy("--only-keep-debug", executable, debugFile + TmpSuffix);
        File.Move(debugFile + TmpSuffix, debugFile, overwrite: true);
        Objcopy("--strip-all", $"--add-gnu-debuglink={debugFile}", executable);
    }

    static void Objcopy(params string[] args) => ExternalTool.Run("objcopy", args);

    // Test assemblies run in parallel processes: each writes its own temporary file and renames it into place.
    static readonly string TmpSuffix = $".tmp{Environment.ProcessId}";

    static bool IsFresh(string output, params string[] inputs) =>
        File.Exists(output) && inputs.All(i => File.GetLastWriteTimeUtc(i) <= File.GetLastWriteTimeUtc(output));

    static string FlagSuffix(GoBuildFlags flags) =>
        string.Join('-', Enum.GetValues<GoBuildFlags>().Where(f => f != 0 && flags.HasFlag(f)).Select(f => f.ToString().ToLowerInvariant()));
}
