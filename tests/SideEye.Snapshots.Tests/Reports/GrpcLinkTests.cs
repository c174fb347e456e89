using System.Globalization;
using SideEye.Probes.Specs;
using SideEye.Snapshots.Collection;
using SideEye.Snapshots.Reports;
using SideEye.Snapshots.Store;
using SideEye.Testing;
using Xunit.Abstractions;

namespace SideEye.Snapshots.Tests.Reports;

/// <summary>
/// The built-in gRPC link on real grpc-go (Debian's golang-google-grpc-dev, built in GOPATH mode), on every
/// toolchain: testdata/grpc/greeter's client makes its calls over one connection, and the server never answers those
/// for a "stuck" service. One snapshot of both with no spec but the services' names: grpc_client_calls and
/// grpc_server_calls hold the stuck calls with the addresses both programs printed, and each client goroutine leads,
/// by the connection and its stream id (the calls share the connection), to the server goroutine handling that very
/// call, and back.
/// </summary>
[Collection(Collection.PrivilegedSnapshotCollection.Name)]
[Trait("Category", "Privileged")]
public sealed class GrpcLinkTests(ITestOutputHelper output) : IDisposable
{
    const int Calls = 8;
    static readonly string[] Stuck = Enumerable.Range(0, Calls).Where(i => i % 4 == 0).Select(i => $"stuck-{i}").ToArray();
    readonly string _store = Path.Combine(Path.GetTempPath(), $"grpc-links-{Guid.NewGuid():N}.duckdb");

    [Theory]
    [MemberData(nameof(GoToolchains.Data), MemberType = typeof(GoToolchains))]
    public void A_client_goroutine_leads_to_the_server_goroutine_handling_its_call(string release)
    {
        Requires.Root();
        var greeter = GoFixture.BuildInGopath("greeter", GoToolchains.Get(release));
        using var server = LaunchedProgram.StartUntilReady(greeter, ["-serve"], TimeSpan.FromSeconds(60));
        var address = server.Ready["addr"];
        using var client = LaunchedProgram.StartUntilReady(greeter, ["-call", address, "-n", Calls.ToString(CultureInfo.InvariantCulture)], TimeSpan.FromSeconds(60));
        var serving = server.WaitForLines(l => l.StartsWith("serving stuck-", StringComparison.Ordinal), Stuck.Length, TimeSpan.FromSeconds(30));
        // Every call rides the one connection: its client end as the server saw it.
        var clientEnd = Assert.Single(serving.Select(l => l.Split("remote=")[1]).Distinct());

        var binary = Path.GetFileName(greeter);
        using (var snapshotter = new LocalSnapshotter
        {
            Captures = CaptureSpec.Empty.WithCapture(binary, "main.call", "service").WithCapture(binary, "main.(*checker).Check", "req.Service"),
        })
        {
            var snapshot = snapshotter.Take([client.Pid, server.Pid]);
            Assert.All(snapshot.Processes, p => Assert.True(p.Error is null, p.Error));
            using var writable = SnapshotStore.Open(_store);
            writable.Append(snapshot);
        }
        using var store = SnapshotStore.OpenReadOnly(_store);
        var applied = ReportViews.Apply(store, ReportSpec.Empty);
        Assert.Empty(applied.Problems);
        Assert.Contains(applied.Links, l => l.Name == "grpc");

        var calls = Rows(store, $"SELECT local_addr, remote_addr, method FROM grpc_client_calls WHERE pid = {client.Pid}");
        Assert.Equal(Stuck.Select(_ => $"{clientEnd} {address} /grpc.health.v1.Health/Check"), calls.Select(r => string.Join(' ', r)));
        var handled = Rows(store, $"SELECT local_addr, remote_addr, method FROM grpc_server_calls WHERE pid = {server.Pid}");
        Assert.Equal(Stuck.Select(_ => $"{address} {clientEnd} /grpc.health.v1.Health/Check"), handled.Select(r => string.Join(' ', r)));
        // Two calls on one connection: the stream ids tell them apart.
        Assert.Equal(Stuck.Length, Convert.ToInt64(store.Query($"SELECT count(DISTINCT stream_id) FROM grpc_client_calls WHERE pid = {client.Pid}").Rows[0][0], CultureInfo.InvariantCulture));

        var snapshotId = Convert.ToInt64(store.Query("SELECT max(snapshot_id) FROM snapshots").Rows[0][0], CultureInfo.InvariantCulture);
        foreach (var service in Stuck)
        {
            var caller = store.Query($"SELECT host, goid FROM main_call WHERE pid = {client.Pid} AND (\"service\"->>'$') = '{service}'").Rows.Single();
            var (host, goid) = ((string)caller[0]!, Convert.ToInt64(caller[1], CultureInfo.InvariantCulture));
            var linked = Assert.Single(GoroutineLinks.Of(store, ReportSpec.Empty, snapshotId, host, client.Pid, goid), l => l.Link == "grpc");
            var target = linked.Goroutine!;
            Assert.Equal(server.Pid, target.Pid);
            Assert.Equal(service, (string)store.Query($"SELECT (\"req.Service\"->>'$') FROM main_checker_check WHERE pid = {target.Pid} AND goid = {target.Goid}").Rows.Single()[0]!);
            var back = Assert.Single(GoroutineLinks.Of(store, ReportSpec.Empty, snapshotId, target.Host, target.Pid, target.Goid), l => l.Link == "grpc");
            Assert.Equal(new LinkedGoroutine(snapshotId, host, client.Pid, goid), back.Goroutine);
            output.WriteLine($"go{release}: {service}: client goroutine {goid} -> server goroutine {target.Goid}");
        }
    }

    static List<string[]> Rows(SnapshotStore store, string sql) =>
        store.Query(sql + " ORDER BY stream_id").Rows.Select(r => r.Select(v => Convert.ToString(v, CultureInfo.InvariantCulture) ?? "").ToArray()).ToList();

    public void Dispose()
    {
        File.Delete(_store);
        File.Delete(_store + ".wal");
    }
}
