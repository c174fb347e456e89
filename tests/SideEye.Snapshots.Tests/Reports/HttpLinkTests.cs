using System.Globalization;
using System.Text.RegularExpressions;
using SideEye.Probes.Specs;
using SideEye.Snapshots.Collection;
using SideEye.Snapshots.Reports;
using SideEye.Snapshots.Store;
using SideEye.Testing;
using Xunit.Abstractions;

namespace SideEye.Snapshots.Tests.Reports;

/// <summary>
/// The built-in HTTP link on real programs, on every toolchain: testdata/frontend's requests wait on testdata/backend,
/// which never answers for items of its shard 0. One snapshot of both, with no spec but the two programs' own request
/// ids: http_client_calls holds exactly the stuck calls with the addresses and URLs the frontend printed,
/// http_server_calls exactly the backend goroutines serving them (the idle connections' goroutines are not even captured), and each
/// client goroutine leads through the link to the backend goroutine holding the same request id, and back.
/// </summary>
[Collection(Collection.PrivilegedSnapshotCollection.Name)]
[Trait("Category", "Privileged")]
public sealed partial class HttpLinkTests(ITestOutputHelper output) : IDisposable
{
    const int Requests = 12, Shards = 4;
    readonly string _store = Path.Combine(Path.GetTempPath(), $"http-links-{Guid.NewGuid():N}.duckdb");

    /// <summary>The requests the backend never answers: request I asks for item I, and shard 0 holds items 0, 4, 8.</summary>
    static readonly long[] Stuck = Enumerable.Range(0, Requests).Where(i => i % Shards == 0).Select(i => 5000L + i).ToArray();

    [Theory]
    [MemberData(nameof(GoToolchains.Data), MemberType = typeof(GoToolchains))]
    public void A_client_goroutine_leads_to_the_server_goroutine_serving_its_request(string release)
    {
        Requires.Root();
        var toolchain = GoToolchains.Get(release);
        using var backend = LaunchedProgram.StartUntilReady(GoFixture.Build("backend", toolchain), ["-shards", Shards.ToString(CultureInfo.InvariantCulture)], TimeSpan.FromSeconds(60));
        var address = backend.Ready["addr"];
        using var frontend = LaunchedProgram.StartUntilReady(GoFixture.Build("frontend", toolchain), ["-backend", address, "-n", Requests.ToString(CultureInfo.InvariantCulture)], TimeSpan.FromSeconds(60));
        backend.WaitForLines(l => l.StartsWith("waiting ", StringComparison.Ordinal), Stuck.Length, TimeSpan.FromSeconds(30));
        // What each side printed about the stuck requests' connections.
        var calls = frontend.Lines.Select(l => CallLine().Match(l)).Where(m => m.Success && Stuck.Contains(Id(m)))
            .ToDictionary(Id, m => (Local: m.Groups["local"].Value, Remote: m.Groups["remote"].Value, Item: m.Groups["item"].Value));
        var served = backend.LaterLines.Select(l => ServingLine().Match(l)).Where(m => m.Success && Stuck.Contains(Id(m)))
            .ToDictionary(Id, m => (Local: m.Groups["local"].Value, Remote: m.Groups["remote"].Value, Item: m.Groups["item"].Value));
        Assert.Equal(Stuck, calls.Keys.Order());
        Assert.Equal(Stuck, served.Keys.Order());

        using (var snapshotter = new LocalSnapshotter
        {
            Captures = CaptureSpec.Empty.WithCapture("frontend", "main.(*frontend).handle", "req.ID").WithCapture("backend", "main.(*store).lookup", "id"),
        })
        {
            var snapshot = snapshotter.Take([frontend.Pid, backend.Pid]);
            Assert.All(snapshot.Processes, p => Assert.True(p.Error is null, p.Error));
            using var writable = SnapshotStore.Open(_store);
            writable.Append(snapshot);
        }
        using var store = SnapshotStore.OpenReadOnly(_store);
        var applied = ReportViews.Apply(store, ReportSpec.Empty);
        Assert.Empty(applied.Problems);
        Assert.Equal(["http_client_calls", "http_server_calls"], applied.Tables.Select(t => t.Name));
        Assert.Equal("http", Assert.Single(applied.Links).Name);

        var clients = Rows(store, $"SELECT local_addr, remote_addr, method, url FROM http_client_calls WHERE pid = {frontend.Pid}");
        Assert.Equal(calls.Select(c => $"{c.Value.Local} {c.Value.Remote} GET http://{address}/items/{c.Value.Item}?request={c.Key}").Order(),
            clients.Select(r => string.Join(' ', r)).Order());
        var servers = Rows(store, $"SELECT local_addr, remote_addr, method, uri FROM http_server_calls WHERE pid = {backend.Pid}");
        Assert.Equal(served.Select(s => $"{s.Value.Local} {s.Value.Remote} GET /items/{s.Value.Item}?request={s.Key}").Order(),
            servers.Select(r => string.Join(' ', r)).Order());
        // The goroutines of idle connections (the answered requests' keep-alive connections) wait in the same
        // function for their next request: they are not captured at all, so they cost the pause nothing.
        var idle = Convert.ToInt64(store.Query($"SELECT count(DISTINCT goid) FROM frames WHERE pid = {backend.Pid} AND func = 'net/http.(*conn).serve'").Rows[0][0], CultureInfo.InvariantCulture) - servers.Count;
        Assert.True(idle > 0, "no idle connection's goroutine was there to leave out");
        Assert.Equal(servers.Count, Convert.ToInt64(store.Query("SELECT count(*) FROM net_http_conn_serve").Rows[0][0], CultureInfo.InvariantCulture));

        // Followed: each stuck request's client goroutine (found by its own req.ID) leads to the backend goroutine
        // looking the same request up, and that one back to it.
        var snapshotId = Convert.ToInt64(store.Query("SELECT max(snapshot_id) FROM snapshots").Rows[0][0], CultureInfo.InvariantCulture);
        foreach (var id in Stuck)
        {
            var client = Goroutine(store, $"SELECT host, goid FROM main_frontend_handle WHERE pid = {frontend.Pid} AND \"req.ID\"::BIGINT = {id}");
            var linked = Assert.Single(GoroutineLinks.Of(store, ReportSpec.Empty, snapshotId, client.Host, frontend.Pid, client.Goid));
            Assert.Equal(("http", "http_server_calls"), (linked.Link, linked.ToTable));
            var server = linked.Goroutine!;
            Assert.Equal(backend.Pid, server.Pid);
            Assert.Equal(id, Convert.ToInt64(store.Query($"SELECT id FROM main_store_lookup WHERE pid = {server.Pid} AND goid = {server.Goid}").Rows.Single()[0], CultureInfo.InvariantCulture));
            var back = Assert.Single(GoroutineLinks.Of(store, ReportSpec.Empty, snapshotId, server.Host, server.Pid, server.Goid));
            Assert.Equal(new LinkedGoroutine(snapshotId, client.Host, frontend.Pid, client.Goid), back.Goroutine);
        }
        output.WriteLine($"go{release}: {clients.Count} calls linked to {servers.Count} server goroutines; {idle} idle connections left out");
    }

    static long Id(Match m) => long.Parse(m.Groups["id"].Value, CultureInfo.InvariantCulture);

    static List<string[]> Rows(SnapshotStore store, string sql) =>
        store.Query(sql).Rows.Select(r => r.Select(v => Convert.ToString(v, CultureInfo.InvariantCulture) ?? "").ToArray()).ToList();

    static (string Host, long Goid) Goroutine(SnapshotStore store, string sql)
    {
        var row = Assert.Single(store.Query(sql).Rows);
        return ((string)row[0]!, Convert.ToInt64(row[1], CultureInfo.InvariantCulture));
    }

    [GeneratedRegex(@"^call (?<id>\d+) item=(?<item>\d+) local=(?<local>\S+) remote=(?<remote>\S+)$")]
    private static partial Regex CallLine();

    [GeneratedRegex(@"^serving (?<id>\d+) item=(?<item>\d+) remote=(?<remote>\S+) local=(?<local>\S+)$")]
    private static partial Regex ServingLine();

    public void Dispose()
    {
        File.Delete(_store);
        File.Delete(_store + ".wal");
    }
}
