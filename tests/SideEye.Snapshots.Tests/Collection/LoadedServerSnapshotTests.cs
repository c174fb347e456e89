using System.Diagnostics;
using SideEye.Snapshots.Collection;
using SideEye.Testing;
using Xunit.Abstractions;

namespace SideEye.Snapshots.Tests.Collection;

/// <summary>
/// A thousand snapshots in a row of testdata/httpserver while clients keep it busy: every one complete, the
/// service never failing a request and still making progress, and nothing left behind in the kernel or the target.
/// </summary>
[Collection(PrivilegedSnapshotCollection.Name)]
[Trait("Category", "Privileged")]
public sealed class LoadedServerSnapshotTests(ITestOutputHelper output) : KernelObjectLeakCheck
{
    const int Snapshots = 1000;
    const int ClientLoops = 4;

    /// <summary>
    /// Requests the clients must complete while the snapshots are taken: one for every snapshot. With probes kept
    /// loaded between snapshots a run here took 5 ms a snapshot and completed about nine requests a snapshot under
    /// the full suite; a target paused for good, or one slowed to a crawl, falls short of one.
    /// </summary>
    const long RequestsDuringSnapshots = Snapshots;

    [Fact]
    public async Task ThousandSnapshotsOfAServerUnderLoad()
    {
        Requires.Root();
        using var server = LaunchedProgram.StartUntilReady(GoFixture.Build("httpserver", GoToolchains.Newest), [], TimeSpan.FromSeconds(60));
        using var load = new HttpLoad(new Uri($"http://{server.Ready["addr"]}/"), ClientLoops, requestTimeout: TimeSpan.FromSeconds(10));
        Assert.True(load.WaitForCompleted(100, TimeSpan.FromSeconds(30)),
            $"the load did not get going: {load.Completed} requests, failures: {string.Join("; ", load.Failures.Take(5))}");

        // The pause bound is not what this test is about (PauseLimitIsEnforcedAndReported is): a generous one, since
        // the suite runs test assemblies in parallel on two cores and one run here saw a 220 ms pause under contention.
        using var snapshotter = new LocalSnapshotter { MaxFrames = 100, MaxPause = TimeSpan.FromSeconds(5) };
        var completedBefore = load.Completed;
        var withHandler = 0;
        long maxPauseNs = 0, totalPauseNs = 0;
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < Snapshots; i++)
        {
            var process = Assert.Single(snapshotter.Take([server.Pid], note: $"load {i}").Processes);
            var context = $"snapshot {i} of {Snapshots}";
            Assert.True(process.Error is null, $"{context}: {process.Error}");
            Assert.False(process.Truncated, context);
            Assert.Equal(server.Pid, process.Pid);
            Assert.True(process.Goroutines.Count > 0, context);
            var funcs = process.Goroutines.Select(g => g.Frames.Select(f => f.Func).ToHashSet()).ToArray();
            // The accept loop, and the connection goroutines of the clients' kept-alive connections.
            Assert.True(funcs.Any(f => f.Contains("net/http.(*Server).Serve")), $"{context}: no goroutine in net/http.(*Server).Serve");
            Assert.True(funcs.Any(f => f.Contains("net/http.(*conn).serve")), $"{context}: no goroutine in net/http.(*conn).serve");
            if (funcs.Any(f => f.Any(name => name.StartsWith("main.handle", StringComparison.Ordinal)))) withHandler++;
            maxPauseNs = Math.Max(maxPauseNs, process.PauseNs);
            totalPauseNs += process.PauseNs;
        }
        clock.Stop();
        var completedDuring = load.Completed - completedBefore;
        load.Stop();
        output.WriteLine($"{Snapshots} snapshots in {clock.Elapsed.TotalSeconds:F1} s ({clock.Elapsed.TotalMilliseconds / Snapshots:F1} ms each); " +
                         $"pause mean {totalPauseNs / Snapshots / 1e6:F2} ms, max {maxPauseNs / 1e6:F2} ms; " +
                         $"{completedDuring} requests completed meanwhile; {withHandler} snapshots caught a request in a handler");

        Assert.True(load.Failures.IsEmpty, $"{load.Failures.Count} failed requests, e.g. {string.Join("; ", load.Failures.Take(5))}");
        Assert.True(completedDuring >= RequestsDuringSnapshots, $"only {completedDuring} requests completed during {Snapshots} snapshots");
        // Under constant load some snapshots must catch a handler at work: the snapshots saw the load, not an idle server.
        Assert.True(withHandler > 0, "no snapshot caught a request in a main.handle* function");
        var stopped = Procfs.ThreadStates(server.Pid).Where(s => s.Value is 't' or 'T').ToArray();
        Assert.True(stopped.Length == 0, $"threads left stopped: {string.Join(", ", stopped.Select(s => $"{s.Key}:{s.Value}"))}");
        // The server still answers.
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        Assert.Equal("sum 10 55\n", await client.GetStringAsync($"http://{server.Ready["addr"]}/sum?n=10"));
    }
}
