using SideEye.Testing;
using Xunit.Abstractions;

namespace SideEye.Snapshots.Tests.GroundTruth;

/// <summary>
/// testdata/parked and <see cref="GoroutineDump"/> prove each other on every Go release: each parking place
/// must show up in the runtime's own dump with the status that release prints and the function that parks.
/// </summary>
public sealed class ParkedDumpTests(ITestOutputHelper output)
{
    const int Idle = 40, Threads = 4;

    /// <summary>The status runtime.Stack prints for each parking place, by Go minor version.</summary>
    internal static string ExpectedStatus(string kind, int minor) => kind switch
    {
        "chan-send" => "chan send",
        "chan-recv" or "recursion" or "closure" or "method" or "method-value" or "generic" or "inlined" or "labels" => "chan receive",
        "select" => "select",
        // Go 1.20 gave sync's semaphore waits their own reasons; WaitGroup followed in 1.24.
        "mutex" => minor >= 20 ? "sync.Mutex.Lock" : "semacquire",
        "rwmutex-rlock" => minor >= 20 ? "sync.RWMutex.RLock" : "semacquire",
        "rwmutex-lock" => minor >= 20 ? "sync.RWMutex.Lock" : "semacquire",
        "waitgroup" => minor >= 24 ? "sync.WaitGroup.Wait" : "semacquire",
        "cond" => "sync.Cond.Wait",
        "sleep" => "sleep",
        "accept" or "net-read" => "IO wait",
        "syscall" or "locked-syscall" => "syscall",
        _ => throw new ArgumentException($"no expectation for {kind}"),
    };

    static readonly string[] Kinds =
    [
        "chan-send", "chan-recv", "select", "mutex", "rwmutex-rlock", "rwmutex-lock", "waitgroup", "cond", "sleep",
        "accept", "net-read", "syscall", "recursion", "closure", "method", "method-value", "generic", "inlined", "labels", "spin", "locked-syscall",
    ];

    [Theory]
    [MemberData(nameof(GoToolchains.Data), MemberType = typeof(GoToolchains))]
    public void EveryParkingPlaceIsInTheDump(string release)
    {
        var toolchain = GoToolchains.Get(release);
        using var parked = new ParkedProgram(toolchain, idle: Idle, threads: Threads);
        var dump = GoroutineDump.ParseFile(parked.DumpPath);
        var byGoid = dump.ToDictionary(g => g.Goid);
        output.WriteLine($"{toolchain}: {dump.Count} goroutines in the dump, {parked.Parks.Count} named parks");

        Assert.Equal(Kinds.Order(), parked.Parks.Select(p => p.Kind).Distinct().Order());
        Assert.Equal(2, parked.Parks.Count(p => p.Kind == "spin"));
        Assert.Equal(Threads, parked.Parks.Count(p => p.Kind == "locked-syscall"));

        foreach (var park in parked.Parks)
        {
            Assert.True(byGoid.TryGetValue(park.Goid, out var g), $"{park.Kind}: goroutine {park.Goid} is not in the dump");
            output.WriteLine($"{park.Kind,-15} {g}");
            if (park.Kind == "spin")
                Assert.Contains(g.Status, new[] { "running", "runnable" });
            else
                Assert.Equal(ExpectedStatus(park.Kind, toolchain.Minor), g.Status);
            Assert.Equal(park.Kind == "locked-syscall", g.LockedToThread);
            Assert.Equal(0, g.WaitMinutes);
            Assert.False(g.Leaked || g.Scan || g.StackUnavailable);
            Assert.Null(g.Labels); // printed only with GODEBUG=tracebacklabels=1
            Assert.Empty(g.AncestorGoids);

            var frame = g.Frames.FirstOrDefault(f => f.Func == park.Func);
            Assert.True(frame is not null, $"{park.Kind}: no frame {park.Func} in {g}");
            Assert.EndsWith("testdata/parked/main.go", frame.File);
            Assert.True(frame.Line > 0);

            Assert.Equal("main.main", g.CreatedByFunc);
            Assert.Equal(toolchain.Minor >= 21 ? 1 : null, g.CreatedByGoid);
            Assert.NotNull(g.CreatedAt);
            Assert.EndsWith("testdata/parked/main.go", g.CreatedAt.File);
        }

        // The inlined call is a frame of its own, right inside its caller, with no PC offset of its own.
        var inlined = byGoid[parked.Single("inlined").Goid];
        var callerAt = inlined.Frames.ToList().FindIndex(f => f.Func == "main.inlinedCaller");
        Assert.True(callerAt > 0, inlined.ToString());
        Assert.Equal("main.inlinedLeaf", inlined.Frames[callerAt - 1].Func);
        Assert.Null(inlined.Frames[callerAt - 1].Offset);
        Assert.NotNull(inlined.Frames[callerAt].Offset);

        // Sync waits show the sync function under the parking one.
        Assert.True(byGoid[parked.Single("mutex").Goid].HasFrame("sync.(*Mutex).Lock"));
        Assert.True(byGoid[parked.Single("cond").Goid].HasFrame("sync.(*Cond).Wait"));
        Assert.True(byGoid[parked.Single("syscall").Goid].HasFrame("syscall.Read"));

        CheckRecursion(byGoid[parked.Single("recursion").Goid], toolchain);

        // The caller of runtime.Stack is running and has no creator.
        var main = byGoid[1];
        Assert.Equal("running", main.Status);
        Assert.True(main.HasFrame("main.stackAll") && main.HasFrame("main.main"), main.ToString());
        Assert.Null(main.CreatedByFunc);

        var idle = dump.Where(g => g.HasFrame("main.idle")).ToList();
        Assert.Equal(Idle, idle.Count);
        Assert.All(idle, g => Assert.Equal("chan receive", g.Status));
        Assert.Equal(Threads, dump.Count(g => g.LockedToThread && g.Status == "syscall" && g.HasFrame("main.lockedSyscall")));
    }

    void CheckRecursion(DumpGoroutine g, GoToolchain toolchain)
    {
        var recursive = g.Frames.Count(f => f.Func == "main.recurse");
        output.WriteLine($"recursion: {g.Frames.Count} frames printed, {recursive} main.recurse, elided={g.Elided} ({g.ElidedFrames})");
        Assert.Equal("main.recurse", g.Frames[0].Func);
        if (toolchain.Minor >= 21)
        {
            // 1.21+: the innermost and outermost 50 frames, and the count of those in between.
            Assert.True(g.Elided);
            Assert.NotNull(g.ElidedFrames);
            Assert.True(recursive + g.ElidedFrames >= ParkedProgram.RecursionDepth, $"{recursive} + {g.ElidedFrames} frames");
            Assert.Equal("main.main.func1", g.Frames[^1].Func); // the outermost frames survive
        }
        else
        {
            // 1.19 stops after 100 frames, counting the hidden runtime ones, and then prints no elision marker
            // because fewer than 100 were printed: the stack is cut without a word.
            Assert.False(g.Elided);
            Assert.InRange(recursive, 90, 100);
            Assert.Equal("main.recurse", g.Frames[^1].Func);
        }
    }

    /// <summary>
    /// With GODEBUG=tracebackancestors=3 every goroutine is followed by its creator's stack, and with
    /// tracebacklabels=1 Go 1.26+ prints pprof labels in the header; older releases ignore the setting.
    /// </summary>
    [Theory]
    [MemberData(nameof(GoToolchains.Data), MemberType = typeof(GoToolchains))]
    public void AncestorsAndLabelsWhenAskedFor(string release)
    {
        var toolchain = GoToolchains.Get(release);
        using var parked = new ParkedProgram(toolchain, environment: new Dictionary<string, string> { ["GODEBUG"] = "tracebackancestors=3,tracebacklabels=1" });
        var byGoid = GoroutineDump.ParseFile(parked.DumpPath).ToDictionary(g => g.Goid);
        foreach (var park in parked.Parks)
        {
            var g = byGoid[park.Goid];
            Assert.Equal([1L], g.AncestorGoids);
            Assert.True(g.HasFrame(park.Func), g.ToString());
            Assert.DoesNotContain(g.Frames, f => f.Func == "main.main"); // the ancestor's frames are not the goroutine's
            if (park.Kind == "labels" && toolchain.Minor >= 26)
                Assert.Equal(ParkedProgram.Labels.OrderBy(kv => kv.Key), g.Labels!.OrderBy(kv => kv.Key));
            else
                Assert.Null(g.Labels);
        }
    }

    /// <summary>100,000 idle goroutines and a few hundred OS threads: the program copes and the dump parses.</summary>
    [Fact]
    public void ScaleOnTheNewestRelease()
    {
        using var parked = new ParkedProgram(GoToolchains.Newest, idle: 100_000, threads: 200, timeout: TimeSpan.FromMinutes(3));
        var dump = GoroutineDump.ParseFile(parked.DumpPath);
        Assert.Equal(100_000, dump.Count(g => g.HasFrame("main.idle")));
        Assert.Equal(200, dump.Count(g => g.LockedToThread && g.HasFrame("main.lockedSyscall")));
        var threads = Directory.GetDirectories($"/proc/{parked.Pid}/task").Length;
        output.WriteLine($"{dump.Count} goroutines, {threads} OS threads");
        Assert.True(threads >= 200, $"{threads} threads");
    }
}
