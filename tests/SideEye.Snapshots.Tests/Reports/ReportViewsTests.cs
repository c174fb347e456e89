using System.Globalization;
using System.Text.Json.Nodes;
using SideEye.Probes.Specs;
using SideEye.Snapshots.Collection;
using SideEye.Snapshots.Reports;
using SideEye.Snapshots.Store;
using SideEye.Testing;
using Xunit.Abstractions;

namespace SideEye.Snapshots.Tests.Reports;

/// <summary>
/// A team's spec applied to real snapshots of testdata/requests, on every toolchain: typed extra columns on the
/// function's table, a report over it and another over that report, and links, as views of the session. The report's
/// rows are the requests the program printed; the counts are what the program's own arithmetic says; the store file is
/// never changed by them, so an edited spec re-organizes old snapshots and a removed column is gone.
/// </summary>
[Collection(Collection.PrivilegedSnapshotCollection.Name)]
[Trait("Category", "Privileged")]
public sealed class ReportViewsTests(ITestOutputHelper output) : IDisposable
{
    const int N = 30;
    static readonly string[] Expressions = ["req.ID", "req.Path", "req.User", "req.Tags", "len(req.Tags)"];
    readonly string _store = Path.Combine(Path.GetTempPath(), $"reports-{Guid.NewGuid():N}.duckdb");

    const string Spec = """
        { "version": 2,
          "programs": [ { "binary": "requests", "functions": [ { "function": "main.(*server).handle",
              "capture": ["req.ID", "req.Path", "req.User", "req.Tags", "len(req.Tags)"],
              "columns": [ { "name": "id", "sql": "\"req.ID\"", "type": "bigint" },
                           { "name": "path", "sql": "\"req.Path\"->>'$'" },
                           { "name": "user_name", "sql": "\"req.User\"->>'$'", "type": "varchar" },
                           { "name": "tag_count", "sql": "\"len(req.Tags)\"", "type": "bigint" },
                           { "name": "age", "sql": "\"req.ID\"::BIGINT * 1000000000", "type": "duration_ns" } ] } ] } ],
          "tables": [ { "name": "inflight", "description": "requests being served, by id",
                        "sql": "SELECT snapshot_id, host, pid, goid, id, path, user_name, tag_count FROM main_server_handle ORDER BY id" },
                      { "name": "by_user", "sql": "SELECT snapshot_id, user_name, count(*) AS n, sum(tag_count)::BIGINT AS tags FROM inflight GROUP BY ALL ORDER BY ALL" } ],
          "links": [ { "name": "goroutine", "from": { "table": "inflight", "columns": ["snapshot_id", "host", "pid", "goid"] },
                       "to": { "table": "goroutines", "columns": ["snapshot_id", "host", "pid", "goid"] } } ] }
        """;

    [Theory]
    [MemberData(nameof(GoToolchains.Data), MemberType = typeof(GoToolchains))]
    public void Reports_over_real_snapshots_hold_what_the_program_printed(string release)
    {
        Requires.Root();
        var printed = Snapshot(release);
        var spec = CaptureSpecFile.Parse(Spec, "team.json");
        using var store = SnapshotStore.OpenReadOnly(_store);
        var applied = ReportViews.Apply(store, spec.Reports);
        Assert.Empty(applied.Problems);
        Assert.Equal(["inflight", "by_user"], applied.Tables.Select(t => t.Name).Except(BuiltInReports.Names));
        Assert.Equal("goroutine", Assert.Single(applied.Links).Name);

        var rows = store.Query("SELECT id, path, user_name, tag_count FROM inflight").Rows;
        Assert.Equal(N, rows.Count);
        foreach (var expected in printed)
        {
            var row = rows.Single(r => Convert.ToInt64(r[0], CultureInfo.InvariantCulture) == (long)expected["req.ID"]!);
            Assert.Equal(((string)expected["req.Path"]!, (string)expected["req.User"]!, (long)expected["len(req.Tags)"]!),
                ((string)row[1]!, (string)row[2]!, Convert.ToInt64(row[3], CultureInfo.InvariantCulture)));
        }
        // The program's own arithmetic: request i has user ["ana", "bo", "chen"][i % 3] and 2 * (i % 4) / 2 + 1 tags.
        var byUser = store.Query("SELECT user_name, n, tags FROM by_user").Rows.Select(r => ((string)r[0]!, Convert.ToInt64(r[1], CultureInfo.InvariantCulture), Convert.ToInt64(r[2], CultureInfo.InvariantCulture)));
        var expectedByUser = Enumerable.Range(0, N).GroupBy(i => new[] { "ana", "bo", "chen" }[i % 3])
            .Select(g => (g.Key, (long)g.Count(), (long)g.Sum(i => i % 4 + 1))).OrderBy(x => x.Key, StringComparer.Ordinal);
        Assert.Equal(expectedByUser, byUser.OrderBy(x => x.Item1, StringComparer.Ordinal));
        // Typed columns come out as DuckDB types.
        Assert.Equal(["BIGINT", "VARCHAR", "VARCHAR", "BIGINT", "INTERVAL"],
            store.Query("SELECT typeof(id), typeof(path), typeof(user_name), typeof(tag_count), typeof(age) FROM main_server_handle LIMIT 1").Rows[0].Select(v => (string)v!));
        // duration_ns: request 1000's "age" is 1000 s in nanoseconds, an INTERVAL of 1000 seconds.
        Assert.Equal(true, store.Query("SELECT age = INTERVAL 1000 SECOND FROM main_server_handle WHERE id = 1000").Rows.Single()[0]);
        // The link's rows: every in-flight request's goroutine, parked in main.(*server).handle.
        Assert.Equal(N, Convert.ToInt64(store.Query("""
            SELECT count(*) FROM inflight i JOIN goroutines g USING (snapshot_id, host, pid, goid) JOIN frames f USING (snapshot_id, host, pid, goid)
            WHERE f.func = 'main.(*server).handle'
            """).Rows[0][0], CultureInfo.InvariantCulture));
        output.WriteLine($"go{release}: {rows.Count} in flight, by user {string.Join(", ", byUser)}");
    }

    [Fact]
    public void An_edited_spec_reorganizes_older_snapshots_and_a_removed_column_is_gone()
    {
        Requires.Root();
        Snapshot(GoToolchains.Newest.Release);
        var without = CaptureSpecFile.Parse(Spec.Replace("""{ "name": "tag_count", "sql": "\"len(req.Tags)\"", "type": "bigint" },""", "", StringComparison.Ordinal)
            .Replace(", sum(tag_count)::BIGINT AS tags", "", StringComparison.Ordinal).Replace(", tag_count FROM", " FROM", StringComparison.Ordinal), "team.json");
        using (var store = SnapshotStore.OpenReadOnly(_store))
        {
            Assert.Empty(ReportViews.Apply(store, without.Reports).Problems);
            var e = Assert.Throws<SnapshotStoreException>(() => store.Query("SELECT tag_count FROM main_server_handle"));
            Assert.Contains("tag_count", e.Message);
        }
        // The same store, the same older snapshot, a spec that has the column: it is there.
        using (var store = SnapshotStore.OpenReadOnly(_store))
        {
            Assert.Empty(ReportViews.Apply(store, CaptureSpecFile.Parse(Spec, "team.json").Reports).Problems);
            Assert.Equal(N, Convert.ToInt64(store.Query("SELECT count(tag_count) FROM main_server_handle").Rows[0][0], CultureInfo.InvariantCulture));
        }
        // Nothing of either was written into the file.
        using (var store = SnapshotStore.OpenReadOnly(_store))
        {
            Assert.Equal(["snapshot_id", "host", "pid", "goid", "depth", .. Expressions],
                store.Query("SELECT column_name FROM information_schema.columns WHERE table_name = 'main_server_handle' ORDER BY ordinal_position").Rows.Select(r => (string)r[0]!));
        }
    }

    [Fact]
    public void Each_bad_part_is_one_line_naming_its_place_and_the_rest_is_applied()
    {
        Requires.Root();
        Snapshot(GoToolchains.Newest.Release);
        var spec = CaptureSpecFile.Parse("""
            { "version": 2,
              "programs": [ { "binary": "requests", "functions": [
                  { "function": "main.(*server).handle", "capture": ["req.ID"],
                    "columns": [ { "name": "broken", "sql": "no_such_column + 1" }, { "name": "id", "sql": "\"req.ID\"", "type": "bigint" } ] },
                  { "function": "main.neverCaptured", "capture": ["x"], "columns": [ { "name": "y", "sql": "1" } ] } ] } ],
              "tables": [ { "name": "early", "sql": "SELECT * FROM late" },
                          { "name": "late", "sql": "SELECT id FROM main_server_handle" },
                          { "name": "goroutines", "sql": "SELECT 1" },
                          { "name": "bad_sql", "sql": "SELEC 1" },
                          { "name": "uses_bad", "sql": "SELECT * FROM bad_sql" },
                          { "name": "itself", "sql": "SELECT * FROM itself" } ],
              "links": [ { "name": "l1", "from": { "table": "late", "columns": ["nope"] }, "to": { "table": "goroutines", "columns": ["goid"] } },
                         { "name": "l2", "from": { "table": "early", "columns": ["id"] }, "to": { "table": "goroutines", "columns": ["goid"] } },
                         { "name": "l3", "from": { "table": "late", "columns": ["id"] }, "to": { "table": "goroutines", "columns": ["goid"] } } ] }
            """, "team.json");
        using var store = SnapshotStore.OpenReadOnly(_store);
        var applied = ReportViews.Apply(store, spec.Reports);
        foreach (var p in applied.Problems) output.WriteLine(p.ToString());
        var problems = applied.Problems.ToDictionary(p => p.Place, p => p.Why);
        Assert.Contains("no_such_column", problems["team.json: programs[0].functions[0].columns[0]"]);
        Assert.Contains("no snapshot", problems["team.json: programs[0].functions[1].columns[0]"]);
        Assert.Equal("refers to late, which is defined after it (tables[1]): a table may use only tables before it", problems["team.json: tables[0]"]);
        Assert.Equal("\"goroutines\" is the name of one of the store's own tables", problems["team.json: tables[2]"]);
        Assert.Contains("syntax error", problems["team.json: tables[3]"]);
        Assert.Equal("refers to bad_sql, which could not be made (see its own problem)", problems["team.json: tables[4]"]);
        Assert.StartsWith("refers to itself", problems["team.json: tables[5]"]);
        Assert.StartsWith("from: late has no column \"nope\"", problems["team.json: links[0]"]);
        Assert.StartsWith("from: no table or view \"early\"", problems["team.json: links[1]"]);
        Assert.Equal(9, applied.Problems.Count);
        Assert.All(applied.Problems, p => Assert.DoesNotContain('\n', p.ToString()));
        // What works is applied: the good column beside the bad one, the table after the bad ones, the good link.
        Assert.Equal(N, Convert.ToInt64(store.Query("SELECT count(id) FROM main_server_handle").Rows[0][0], CultureInfo.InvariantCulture));
        Assert.Equal(["late"], applied.Tables.Select(t => t.Name).Except(BuiltInReports.Names));
        Assert.Equal("l3", Assert.Single(applied.Links).Name);
        Assert.Equal("l3", (string)store.Query("SELECT name FROM report_links").Rows.Single()[0]!);
    }

    /// <summary>One snapshot of testdata/requests with the spec's captures appended to the test's store; what the program printed.</summary>
    JsonObject[] Snapshot(string release)
    {
        using var target = LaunchedProgram.StartUntilReady(GoFixture.Build("requests", GoToolchains.Get(release)), ["-n", N.ToString(CultureInfo.InvariantCulture)], TimeSpan.FromSeconds(60));
        using var snapshotter = new LocalSnapshotter { Captures = CaptureSpec.Empty.WithCapture("requests", "main.(*server).handle", Expressions) };
        var snapshot = snapshotter.Take([target.Pid]);
        Assert.True(snapshot.Processes[0].Error is null, snapshot.Processes[0].Error);
        using (var store = SnapshotStore.Open(_store)) store.Append(snapshot);
        return target.Lines.Where(l => l.StartsWith("request ", StringComparison.Ordinal)).Select(l => JsonNode.Parse(l.Split(' ', 3)[2])!.AsObject()).ToArray();
    }

    public void Dispose()
    {
        File.Delete(_store);
        File.Delete(_store + ".wal");
    }
}
