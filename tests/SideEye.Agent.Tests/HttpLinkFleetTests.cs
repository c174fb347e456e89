using System.Globalization;
using SideEye.Fleet.Files;
using SideEye.Probes.Specs;
using SideEye.Remote.Executables;
using SideEye.Snapshots.Fleets;
using SideEye.Snapshots.Reports;
using SideEye.Snapshots.Store;
using SideEye.Testing;
using SideEye.Testing.Agents;
using Xunit.Abstractions;

namespace SideEye.Agent.Tests;

/// <summary>
/// A request followed across machines: testdata/frontend on one simulated machine (its agent's PID namespace, dialling
/// from its agent's loopback address) calls testdata/backend on another; one fleet snapshot through both agents, and
/// the built-in HTTP link leads from each stuck client goroutine on the first host to the backend goroutine serving
/// that very request (its URI names the same request id) on the second, and back.
/// </summary>
[Collection(PrivilegedAgentCollection.Name)]
[Trait("Category", "Privileged")]
public sealed class HttpLinkFleetTests(ITestOutputHelper output) : IDisposable
{
    readonly TestFleet _certificates = new();
    readonly string _cache = Directory.CreateTempSubdirectory("sideeye-http-link-cache-").FullName;
    readonly string _store = Path.Combine(Path.GetTempPath(), $"http-link-fleet-{Guid.NewGuid():N}.duckdb");

    [Fact]
    public async Task A_client_goroutine_on_one_machine_leads_to_the_server_goroutine_on_another()
    {
        Requires.Root();
        var toolchain = GoToolchains.Newest;
        using var front = AgentProcess.StartTls(_certificates);
        using var back = AgentProcess.StartTls(_certificates);
        using var backend = LaunchedProgram.StartUntilReady(GoFixture.Build("backend", toolchain), ["-listen", $"{back.EndPoint!.Address}:0"], TimeSpan.FromSeconds(60), ns: back.Namespace);
        using var frontend = LaunchedProgram.StartUntilReady(GoFixture.Build("frontend", toolchain),
            ["-backend", backend.Ready["addr"], "-local", front.EndPoint!.Address.ToString()], TimeSpan.FromSeconds(60), ns: front.Namespace);
        backend.WaitForLines(l => l.StartsWith("waiting ", StringComparison.Ordinal), 3, TimeSpan.FromSeconds(30));

        var fleetFile = TestFleetFile.Write(Path.Combine(_certificates.Folder, "fleet.json"), _certificates, [("front", front.Url, "prod"), ("back", back.Url, "prod")]);
        using (var snapshotter = await FleetSnapshotter.OpenAsync(FleetFile.Load(fleetFile), new FleetSnapshotOptions
        {
            Timeout = TimeSpan.FromSeconds(60),
            MaxPause = TimeSpan.FromSeconds(1),
            Cache = new ExecutableCache(_cache),
        }))
        {
            var taken = await snapshotter.TakeAsync([]);
            Assert.Empty(taken.Failures);
            Assert.Contains(taken.Snapshot.Processes, p => p.Host == "front" && p.Pid == frontend.Pid);
            Assert.Contains(taken.Snapshot.Processes, p => p.Host == "back" && p.Pid == backend.Pid);
            Assert.All(taken.Snapshot.Processes, p => Assert.True(p.Error is null, $"{p.Host} pid {p.Pid}: {p.Error}"));
            using var writable = SnapshotStore.Open(_store);
            writable.Append(taken.Snapshot);
        }

        using var store = SnapshotStore.OpenReadOnly(_store);
        Assert.Empty(ReportViews.Apply(store, ReportSpec.Empty).Problems);
        var calls = store.Query($"SELECT snapshot_id, goid, url FROM http_client_calls WHERE host = 'front' AND pid = {frontend.Pid}").Rows;
        Assert.Equal(3, calls.Count);
        foreach (var call in calls)
        {
            var (snapshotId, goid, url) = (Convert.ToInt64(call[0], CultureInfo.InvariantCulture), Convert.ToInt64(call[1], CultureInfo.InvariantCulture), (string)call[2]!);
            var linked = Assert.Single(GoroutineLinks.Of(store, ReportSpec.Empty, snapshotId, "front", frontend.Pid, goid));
            var server = linked.Goroutine!;
            Assert.Equal(("back", backend.Pid), (server.Host, server.Pid));
            // The server goroutine serves the same request: its URI is the client's URL's path and query.
            var uri = (string)store.Query($"SELECT uri FROM http_server_calls WHERE host = 'back' AND pid = {server.Pid} AND goid = {server.Goid}").Rows.Single()[0]!;
            Assert.EndsWith(uri, url, StringComparison.Ordinal);
            Assert.Contains(store.Query($"SELECT func FROM frames WHERE host = 'back' AND pid = {server.Pid} AND goid = {server.Goid}").Rows, r => (string)r[0]! == "main.(*store).lookup");
            Assert.Equal(new LinkedGoroutine(snapshotId, "front", frontend.Pid, goid),
                Assert.Single(GoroutineLinks.Of(store, ReportSpec.Empty, snapshotId, "back", server.Pid, server.Goid)).Goroutine);
            output.WriteLine($"front pid {frontend.Pid} goroutine {goid} ({url}) -> back pid {server.Pid} goroutine {server.Goid} ({uri})");
        }
    }

    public void Dispose()
    {
        _certificates.Dispose();
        Directory.Delete(_cache, true);
        File.Delete(_store);
        File.Delete(_store + ".wal");
    }
}
