using SideEye.Snapshots.Model;
using SideEye.Snapshots.Store;
using SideEye.Testing;
using Xunit.Abstractions;
using Stopwatch = System.Diagnostics.Stopwatch;

namespace SideEye.Snapshots.Tests.GroundTruth;

/// <summary>Real goroutines (parked's dumps) through the store and back out through SQL.</summary>
public sealed class StoredDumpTests(ITestOutputHelper output)
{
    [Theory]
    [MemberData(nameof(GoToolchains.Data), MemberType = typeof(GoToolchains))]
    public void ParkedGoroutinesAreFoundWithSql(string release)
    {
        var toolchain = GoToolchains.Get(release);
        using var parked = new ParkedProgram(toolchain, idle: 100, threads: 3, environment: new Dictionary<string, string> { ["GODEBUG"] = "tracebacklabels=1" });
        var dump = GoroutineDump.ParseFile(parked.DumpPath);
        using var store = SnapshotStore.Open(":memory:");
        var id = store.Append(new Snapshot(0, DateTimeOffset.UtcNow, toolchain.ToString(), [DumpSnapshot.Process(dump, parked.Pid, "go" + release)]));

        foreach (var park in parked.Parks.Where(p => p.Kind != "spin"))
        {
            var row = store.Query($"""
                SELECT g.status, g.wait_reason, g.created_by_func,
                       (SELECT count(*) FROM frames f WHERE f.snapshot_id = g.snapshot_id AND f.goid = g.goid AND f.func = '{park.Func.Replace("'", "''")}') AS hits
                FROM goroutines g WHERE g.snapshot_id = {id} AND g.goid = {park.Goid}
                """);
            Assert.Single(row.Rows);
            var expected = ParkedDumpTests.ExpectedStatus(park.Kind, toolchain.Minor);
            Assert.Equal(expected, (string?)row[0, "wait_reason"] ?? (string?)row[0, "status"]);
            Assert.Equal("main.main", row[0, "created_by_func"]);
            Assert.True(Convert.ToInt64(row[0, "hits"]) >= 1, $"{park.Kind}: no frame {park.Func}");
        }

        // The 100 idle goroutines share one stack, stored once.
        var idle = store.Query("""
            SELECT count(*) AS goroutines, count(DISTINCT stack_id) AS stacks
            FROM goroutines g WHERE EXISTS (SELECT 1 FROM frames f WHERE f.snapshot_id = g.snapshot_id AND f.goid = g.goid AND f.func = 'main.idle')
            """);
        Assert.Equal(100L, Convert.ToInt64(idle[0, "goroutines"]));
        Assert.Equal(1L, Convert.ToInt64(idle[0, "stacks"]));

        var labelled = store.Query($"SELECT labels FROM goroutines WHERE goid = {parked.Single("labels").Goid}");
        if (toolchain.Minor >= 26) Assert.Equal("""{"path":"/api/\u0022v1\u0022","worker":"7"}""", labelled.Rows[0][0]);
        else Assert.Null(labelled.Rows[0][0]);

        var csv = new StringWriter();
        store.QueryCsv("SELECT coalesce(wait_reason, status) AS state, count(*) AS n FROM goroutines GROUP BY ALL ORDER BY n DESC, state", csv);
        output.WriteLine(csv.ToString());
        Assert.StartsWith("state,n\nchan receive,", csv.ToString());
    }

    /// <summary>A figure for the report, never asserted: a real dump of 100,000 idle goroutines appended.</summary>
    [Fact]
    public void AppendRateOfARealDump()
    {
        using var parked = new ParkedProgram(GoToolchains.Newest, idle: 100_000, threads: 10, timeout: TimeSpan.FromMinutes(3));
        var process = DumpSnapshot.Process(GoroutineDump.ParseFile(parked.DumpPath), parked.Pid, "go" + GoToolchains.Newest.Release);
        using var store = SnapshotStore.Open(":memory:");
        store.Append(new Snapshot(0, DateTimeOffset.UtcNow, "warm-up", [process with { Goroutines = process.Goroutines.Take(1000).ToArray() }]));
        var sw = Stopwatch.StartNew();
        var id = store.Append(new Snapshot(0, DateTimeOffset.UtcNow, null, [process]));
        sw.Stop();
        var stacks = Convert.ToInt64(store.Query($"SELECT count(DISTINCT stack_id) FROM stacks WHERE snapshot_id = {id}").Rows[0][0]);
        output.WriteLine($"{process.Goroutines.Count:N0} goroutines of a real dump ({stacks} distinct stacks) appended in memory in {sw.Elapsed.TotalMilliseconds:F0} ms = {process.Goroutines.Count / sw.Elapsed.TotalSeconds:N0} goroutines/s");
        Assert.Equal((long)process.Goroutines.Count, Convert.ToInt64(store.Query($"SELECT count(*) FROM goroutines WHERE snapshot_id = {id}").Rows[0][0]));
    }
}
