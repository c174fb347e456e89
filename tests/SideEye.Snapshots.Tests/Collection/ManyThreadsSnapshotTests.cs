using System.Diagnostics;
using SideEye.Snapshots.Collection;
using SideEye.Snapshots.Tests.GroundTruth;
using SideEye.Testing;
using Xunit.Abstractions;

namespace SideEye.Snapshots.Tests.Collection;

/// <summary>
/// Several hundred OS threads through the snapshot path: testdata/parked with 300 goroutines each locked to its own
/// thread and blocked in read(2). Every thread is paused and resumed, and every goroutine arrives with its thread.
/// </summary>
[Collection(PrivilegedSnapshotCollection.Name)]
[Trait("Category", "Privileged")]
public sealed class ManyThreadsSnapshotTests(ITestOutputHelper output) : KernelObjectLeakCheck
{
    const int Threads = 300;

    [Fact]
    public void ThreeHundredLockedThreads()
    {
        Requires.Root();
        var toolchain = GoToolchains.Newest;
        using var parked = new ParkedProgram(toolchain, threads: Threads);
        var tids = Procfs.ThreadStates(parked.Pid).Keys.ToHashSet();
        Assert.True(tids.Count > Threads, $"parked has only {tids.Count} threads");

        // Frames enough for the 300-deep recursion goroutine (else the process is marked truncated), and a generous
        // pause limit: the suite runs test assemblies in parallel on two cores.
        using var snapshotter = new LocalSnapshotter { MaxFrames = 1024, MaxPause = TimeSpan.FromSeconds(5) };
        var process = Assert.Single(snapshotter.Take([parked.Pid]).Processes);
        output.WriteLine($"{tids.Count} threads, {process.Goroutines.Count} goroutines, paused {process.PauseNs / 1e6:F2} ms, probe {process.ProbeNs / 1e6:F2} ms");
        Assert.True(process.Error is null, process.Error);
        Assert.False(process.Truncated);

        var byGoid = process.Goroutines.ToDictionary(g => g.Goid);
        foreach (var park in parked.Parks.Where(p => p.Kind != "spin"))
        {
            Assert.True(byGoid.TryGetValue(park.Goid, out var g), $"{park.Kind}: goroutine {park.Goid} is not in the snapshot");
            var expected = ParkedDumpTests.ExpectedStatus(park.Kind, toolchain.Minor);
            var context = $"{park.Kind} goroutine {park.Goid}";
            if (expected == "syscall")
                Assert.Equal((context, "syscall"), (context, g.Status));
            else
                Assert.Equal((context, "waiting", expected), (context, g.Status, g.WaitReason));
            Assert.True(g.Frames.Any(f => f.Func == park.Func), $"{context}: no frame {park.Func} in {string.Join(" < ", g.Frames.Select(f => f.Func))}");
        }

        // Each locked goroutine sits in a syscall on its own thread: distinct thread ids, all threads of the process.
        var locked = parked.Parks.Where(p => p.Kind == "locked-syscall").Select(p => byGoid[p.Goid]).ToArray();
        Assert.Equal(Threads, locked.Length);
        Assert.All(locked, g => Assert.True(g.ThreadId is > 0, $"goroutine {g.Goid} has thread id {g.ThreadId}"));
        var lockedTids = locked.Select(g => g.ThreadId!.Value).ToArray();
        Assert.Equal(Threads, lockedTids.Distinct().Count());
        var strangers = lockedTids.Where(t => !tids.Contains(t)).ToArray();
        Assert.True(strangers.Length == 0, $"thread ids that are no thread of {parked.Pid}: {string.Join(", ", strangers)}");

        // Resumed: no thread left stopped, and the spinners burn CPU again.
        var stopped = Procfs.ThreadStates(parked.Pid).Where(s => s.Value is 't' or 'T').ToArray();
        Assert.True(stopped.Length == 0, $"threads left stopped: {string.Join(", ", stopped.Select(s => $"{s.Key}:{s.Value}"))}");
        var ticks = Procfs.CpuTicks(parked.Pid);
        var clock = Stopwatch.StartNew();
        while (Procfs.CpuTicks(parked.Pid) <= ticks + 10 && clock.Elapsed < TimeSpan.FromSeconds(10)) Thread.Sleep(20);
        Assert.True(Procfs.CpuTicks(parked.Pid) > ticks + 10, $"parked used no CPU after the snapshot (state {Procfs.State(parked.Pid)})");
    }
}
