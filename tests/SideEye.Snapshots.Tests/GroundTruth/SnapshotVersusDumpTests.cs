using SideEye.Binary.DebugInfo;
using SideEye.GoRuntime;
using SideEye.GoRuntime.Stacks;
using SideEye.Snapshots.Collection;
using SideEye.Testing;

namespace SideEye.Snapshots.Tests.GroundTruth;

/// <summary>
/// The issue's own acceptance test, end to end with nothing in between: a snapshot (pause, generated probe,
/// decoding) of the parked program against the runtime.Stack dump it wrote itself. Every parked goroutine of the
/// dump is in the snapshot with the same id, status and wait reason, creator, and — hidden the way runtime.Stack
/// hides runtime frames and wrappers — the same function/file/line frames in the same order.
/// </summary>
[Trait("Category", "Privileged")]
public sealed class SnapshotVersusDumpTests
{
    /// <summary>
    /// What these tests check is the snapshot against the dump, not how short the pause is: on a loaded CI machine
    /// (every test assembly at once on two CPUs) stopping parked's threads once took longer than the default 500 ms.
    /// </summary>
    static readonly TimeSpan Pause = TimeSpan.FromSeconds(5);

    [Theory]
    [MemberData(nameof(GoToolchains.Data), MemberType = typeof(GoToolchains))]
    public void EveryParkedGoroutineOfTheDumpIsInTheSnapshot(string release) =>
        CompareWithDump(release, GoBuildFlags.Default, new LocalSnapshotter { MaxPause = Pause, MaxFrames = 1024 });

    /// <summary>The same, of a build shipped the way distributions ship (stripped, its DWARF in a debug file found by build ID).</summary>
    [Theory]
    [MemberData(nameof(GoToolchains.Data), MemberType = typeof(GoToolchains))]
    public void EveryParkedGoroutineOfTheDumpIsInTheSnapshotOfAStrippedBuildWithItsDebugFile(string release) =>
        CompareWithDump(release, GoBuildFlags.SeparateDebugInfo,
            new LocalSnapshotter { MaxPause = Pause, MaxFrames = 1024, DebugInfo = DebugInfoSources.None with { Directories = [GoFixture.DebugDirectory] } });

    /// <summary>
    /// The same build without its debug file (as production ships it: no DWARF, no symbols): the runtime's layout comes
    /// from the release's shipped data and its globals from the runtime's machine code, and the snapshot is as complete.
    /// </summary>
    [Theory]
    [MemberData(nameof(GoToolchains.Data), MemberType = typeof(GoToolchains))]
    public void EveryParkedGoroutineOfTheDumpIsInTheSnapshotOfAStrippedBuildWithoutDebugInfo(string release)
    {
        var nowhere = Directory.CreateTempSubdirectory("sideeye-nodebug-").FullName;
        try
        {
            var sources = DebugInfoSources.None with { Directories = [nowhere] };
            var bin = GoBinary.Open(GoFixture.Build("parked", GoToolchains.Get(release), GoBuildFlags.SeparateDebugInfo), sources);
            Assert.Null(bin.Dwarf);
            Assert.False(bin.Runtime.Origin.FromDwarf);
            CompareWithDump(release, GoBuildFlags.SeparateDebugInfo, new LocalSnapshotter { MaxPause = Pause, MaxFrames = 1024, DebugInfo = sources });
        }
        finally
        {
            Directory.Delete(nowhere, true);
        }
    }

    /// <summary>
    /// Captures asked of a build without debug info: the goroutines are still taken (every parked one), and the row
    /// says in one line that the captures need debug info and where it was looked for.
    /// </summary>
    [Fact]
    public void Captures_asked_of_a_build_without_debug_info_leave_the_goroutines_and_say_why_in_the_row()
    {
        Requires.Root();
        var nowhere = Directory.CreateTempSubdirectory("sideeye-nodebug-").FullName;
        try
        {
            using var parked = new ParkedProgram(GoToolchains.Newest, flags: GoBuildFlags.SeparateDebugInfo, spinners: 0);
            using var snapshotter = new LocalSnapshotter
            {
                MaxPause = Pause,
                DebugInfo = DebugInfoSources.None with { Directories = [nowhere] },
                Captures = Probes.Specs.CaptureSpec.Empty.WithCapture(
                    Probes.Specs.ProgramCaptures.ProgramName(GoFixture.Build("parked", GoToolchains.Newest, GoBuildFlags.SeparateDebugInfo)), "main.chanRecv", "ch"),
            };
            var process = snapshotter.Take([parked.Pid]).Processes.Single();
            Assert.NotNull(process.Error);
            Assert.DoesNotContain('\n', process.Error);
            Assert.Contains("captures need debug info", process.Error);
            Assert.Contains(Path.Combine(nowhere, ".build-id"), process.Error);
            Assert.Empty(process.Captures ?? []);
            Assert.Superset(parked.Parks.Select(p => p.Goid).ToHashSet(), process.Goroutines.Select(g => g.Goid).ToHashSet());
        }
        finally
        {
            Directory.Delete(nowhere, true);
        }
    }

    /// <summary>
    /// A patch release no layout was shipped for (the build's version string rewritten in a copy, as a newer patch
    /// release's binary would carry it): its minor release's layout is borrowed, checked on the first reads, and the
    /// snapshot is as complete.
    /// </summary>
    [Theory]
    [MemberData(nameof(GoToolchains.Data), MemberType = typeof(GoToolchains))]
    public void A_stripped_build_of_an_unknown_patch_release_borrows_its_minor_releases_layout(string release)
    {
        var folder = Directory.CreateTempSubdirectory("sideeye-patchrelease-").FullName;
        try
        {
            var build = GoFixture.Build("parked", GoToolchains.Get(release), GoBuildFlags.Stripped);
            var version = GoBinary.Open(build).Version.Text;
            var unknown = version[..^1] + (char)('0' + (version[^1] - '0' + 1) % 10);
            var copy = Path.Combine(folder, "parked");
            File.WriteAllBytes(copy, Replace(File.ReadAllBytes(build), version, unknown));
            File.SetUnixFileMode(copy, File.GetUnixFileMode(build));
            var bin = GoBinary.Open(copy, DebugInfoSources.None);
            Assert.Equal(unknown, bin.Version.Text);
            Assert.True(bin.Runtime.Origin.Borrowed, bin.Runtime.Origin.ToString());
            CompareWithDump(release, GoBuildFlags.Stripped, new LocalSnapshotter { MaxPause = Pause, MaxFrames = 1024, DebugInfo = DebugInfoSources.None }, copy);
        }
        finally
        {
            Directory.Delete(folder, true);
        }
    }

    /// <summary>Every occurrence of a string in a file's bytes replaced by another of the same length.</summary>
    static byte[] Replace(byte[] bytes, string from, string to)
    {
        var (old, replacement) = (System.Text.Encoding.ASCII.GetBytes(from), System.Text.Encoding.ASCII.GetBytes(to));
        var replaced = 0;
        for (var at = bytes.AsSpan().IndexOf(old); at >= 0;)
        {
            replacement.CopyTo(bytes, at);
            replaced++;
            var next = bytes.AsSpan(at + old.Length).IndexOf(old);
            at = next < 0 ? -1 : at + old.Length + next;
        }
        Assert.True(replaced > 0, $"no {from} in the build");
        return bytes;
    }

    static void CompareWithDump(string release, GoBuildFlags flags, LocalSnapshotter snapshotter, string? executable = null)
    {
        Requires.Root();
        var toolchain = GoToolchains.Get(release);
        using var parked = new ParkedProgram(toolchain, flags: flags, executable: executable);
        var bin = GoBinary.Open(executable ?? GoFixture.Build("parked", toolchain, flags));
        using var _ = snapshotter;
        var process = snapshotter.Take([parked.Pid]).Processes.Single();
        Assert.Null(process.Error);
        var ours = process.Goroutines.ToDictionary(g => g.Goid);

        var moving = parked.Parks.Where(p => p.Kind == "spin").Select(p => p.Goid).Append(1).ToHashSet();
        var compared = 0;
        var wrappers = 0;
        foreach (var dumped in GoroutineDump.ParseFile(parked.DumpPath))
        {
            // Goroutine 1 wrote the dump and moved on; spinners never hold still.
            if (moving.Contains(dumped.Goid)) continue;
            Assert.True(ours.TryGetValue(dumped.Goid, out var g), $"go{release}: goroutine {dumped.Goid} of the dump is not in the snapshot");
            var context = $"go{release} goroutine {g!.Goid}";
            Assert.Equal((context, dumped.Status), (context, g.WaitReason ?? g.Status));
            Assert.Equal((context, dumped.CreatedByFunc), (context, g.CreatedByFunc));
            if (dumped.CreatedByGoid is { } parent) Assert.Equal((context, (long?)parent), (context, g.CreatedByGoid));

            // The store's own marks, checked against the binary: a physical frame is a wrapper exactly when its function is.
            foreach (var f in g.Frames.Where(f => !f.Inlined))
                Assert.Equal(($"{context} {f.Func}", bin.Pclntab.FindFunction(f.Pc) is { } fn && bin.Pclntab.IsWrapper(fn)), ($"{context} {f.Func}", f.Wrapper));
            Assert.All(g.Frames.Where(f => f.Wrapper), f => Assert.False(f.Shown, $"{context}: wrapper {f.Func} shown"));
            wrappers += g.Frames.Count(f => f.Wrapper);
            var shown = g.Frames.Where(f => f.Shown).Select(f => $"{f.Func} {f.File}:{f.Line}").ToArray();
            var expected = dumped.Frames.Select(f => $"{f.Func} {f.File}:{f.Line}").ToArray();
            if (dumped.ElidedFrames is { } elided)
            {
                // Go 1.21+ prints the innermost and outermost frames around "...N frames elided...".
                Assert.Equal((context, shown.Length), (context, expected.Length + elided));
                var inner = expected.Length / 2;
                Assert.Equal(expected[..inner], shown[..inner]);
                Assert.Equal(expected[inner..], shown[^(expected.Length - inner)..]);
            }
            else if (release == "1.19" && expected.Length < shown.Length)
                Assert.Equal(expected, shown[..expected.Length]); // 1.19 stops printing after 100 frames, silently
            else
                Assert.Equal(expected, shown);
            compared++;
        }
        Assert.True(compared >= 15, $"only {compared} goroutines compared");
        // go f(x) with arguments and go on a method value start through wrappers (gowrapN, or funcN up to Go 1.20).
        Assert.True(wrappers >= 10, $"go{release}: only {wrappers} wrapper frames stored");
        Assert.Equal(ParkedProgram.Labels, ours[parked.Single("labels").Goid].Labels);
        var methodValue = ours[parked.Single("method-value").Goid];
        Assert.Contains(methodValue.Frames, f => f.Func == "main.(*parker).waitMethodValue-fm" && f.Wrapper && !f.Shown);
    }

    /// <summary>
    /// The frame limit counts frames as runtime.Stack shows them: a limit of 100 keeps exactly 100 shown frames of
    /// the 300-deep recursion (hidden ones, such as its go statement's wrapper, do not count), the same as the
    /// dump's innermost ones, and says the stack goes on.
    /// </summary>
    [Theory]
    [MemberData(nameof(GoToolchains.Data), MemberType = typeof(GoToolchains))]
    public void FrameLimitCountsTheFramesRuntimeStackShows(string release)
    {
        Requires.Root();
        var toolchain = GoToolchains.Get(release);
        using var parked = new ParkedProgram(toolchain);
        using var snapshotter = new LocalSnapshotter { MaxFrames = 100 };
        var process = snapshotter.Take([parked.Pid]).Processes.Single();
        var recursion = process.Goroutines.Single(g => g.Goid == parked.Single("recursion").Goid);
        var shown = recursion.Frames.Where(f => f.Shown).Select(f => $"{f.Func} {f.File}:{f.Line}").ToArray();
        Assert.Equal(100, shown.Length);
        Assert.True(recursion.Truncated);
        var dumped = GoroutineDump.ParseFile(parked.DumpPath).Single(d => d.Goid == recursion.Goid).Frames.Select(f => $"{f.Func} {f.File}:{f.Line}").ToArray();
        Assert.Equal(dumped[..50], shown[..50]);
        // A stack within the limit is whole: the sleeper's shown frames are the dump's, not marked truncated.
        var sleeper = process.Goroutines.Single(g => g.Goid == parked.Single("sleep").Goid);
        Assert.False(sleeper.Truncated);
    }
}
