using System.Diagnostics;
using SideEye.Testing;
using Xunit.Abstractions;

namespace SideEye.Agent.Tests;

/// <summary>
/// A thousand snapshots of testdata/httpserver through an agent while clients keep the server busy: every one
/// complete, no request failed, nothing left behind in the agent (open files, BPF objects beyond the one kept
/// probe) and its memory steady, the target running at the end.
/// </summary>
[Collection(PrivilegedAgentCollection.Name)]
[Trait("Category", "Privileged")]
public sealed class LoadTests(AgentFixture fixture, ITestOutputHelper output) : IClassFixture<AgentFixture>
{
    const int Snapshots = 1000;

    [Fact]
    public async Task A_thousand_remote_snapshots_of_a_server_under_load()
    {
        Requires.Root();
        using var server = LaunchedProgram.StartUntilReady(GoFixture.Build("httpserver", GoToolchains.Newest), [], TimeSpan.FromSeconds(60), ns: fixture.Agent.Namespace);
        using var load = new HttpLoad(new Uri($"http://{server.Ready["addr"]}/"), loops: 4, requestTimeout: TimeSpan.FromSeconds(10));
        Assert.True(load.WaitForCompleted(100, TimeSpan.FromSeconds(30)), $"the load did not get going: {string.Join("; ", load.Failures.Take(5))}");
        using var connection = fixture.Connect();
        using var remote = fixture.Snapshotter(connection);

        // Warm up first, so the baseline holds what a warm agent holds: one probe, its connections, its caches.
        for (var i = 0; i < 20; i++) Assert.Null(Assert.Single((await remote.TakeAsync([server.Pid])).Processes).Error);
        GC.Collect();
        var fdsBefore = fixture.Agent.OpenFds();
        var objectsBefore = fixture.Agent.KernelObjects().Count;
        var rssBefore = fixture.Agent.ResidentKiB();
        var completedBefore = load.Completed;
        long totalPauseNs = 0, maxPauseNs = 0;
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < Snapshots; i++)
        {
            var process = Assert.Single((await remote.TakeAsync([server.Pid], $"load {i}")).Processes);
            Assert.True(process.Error is null, $"snapshot {i}: {process.Error}");
            Assert.False(process.Truncated, $"snapshot {i} is truncated");
            Assert.Contains(process.Goroutines, g => g.Frames.Any(f => f.Func == "net/http.(*Server).Serve"));
            totalPauseNs += process.PauseNs;
            maxPauseNs = Math.Max(maxPauseNs, process.PauseNs);
        }
        clock.Stop();
        var completed = load.Completed - completedBefore;
        load.Stop();
        var rssAfter = fixture.Agent.ResidentKiB();
        output.WriteLine($"{Snapshots} remote snapshots in {clock.Elapsed.TotalSeconds:F1} s ({clock.Elapsed.TotalMilliseconds / Snapshots:F1} ms each), " +
                         $"pause mean {totalPauseNs / Snapshots / 1e6:F2} ms, max {maxPauseNs / 1e6:F2} ms; {completed} requests meanwhile; " +
                         $"agent RSS {rssBefore / 1024.0:F1} MiB before, {rssAfter / 1024.0:F1} MiB after; fds {fdsBefore} before, {fixture.Agent.OpenFds()} after");

        Assert.True(load.Failures.IsEmpty, $"{load.Failures.Count} failed requests, e.g. {string.Join("; ", load.Failures.Take(5))}");
        Assert.True(completed >= Snapshots, $"only {completed} requests completed during {Snapshots} snapshots");
        Assert.Equal(objectsBefore, fixture.Agent.KernelObjects().Count);
        Assert.True(fixture.Agent.OpenFds() <= fdsBefore + 4, $"the agent's open files grew from {fdsBefore} to {fixture.Agent.OpenFds()}");
        // Steady: a leak of even 1 KiB a snapshot would add a megabyte here; the runtime's own growth stays well below the bound.
        Assert.True(rssAfter < rssBefore + 64 * 1024, $"the agent's memory grew from {rssBefore} KiB to {rssAfter} KiB over {Snapshots} snapshots");
        Assert.Empty(Procfs.StoppedThreads(server.HostPid));
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        Assert.Equal("sum 10 55\n", await client.GetStringAsync($"http://{server.Ready["addr"]}/sum?n=10"));
    }
}
