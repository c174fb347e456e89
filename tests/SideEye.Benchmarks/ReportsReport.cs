using System.Diagnostics;
using System.Globalization;
using SideEye.Probes.Specs;
using SideEye.Snapshots.Collection;
using SideEye.Snapshots.Reports;
using SideEye.Snapshots.Store;
using SideEye.Testing;

namespace SideEye.Benchmarks;

/// <summary>
/// What a team's reports cost over a store of S snapshots of testdata/requests with N goroutines and five captured
/// expressions each (one real snapshot appended S times): opening the store read-only and applying the spec's views,
/// a derived table over every snapshot, and following the spec's link from one snapshot's report rows to their
/// goroutines and frames. Needs root (for the one snapshot). Usage: reports [S] [N] [runs]   (default 100, 10000, 10)
/// </summary>
public static class ReportsReport
{
    const string Spec = """
        { "version": 2,
          "programs": [ { "binary": "requests", "functions": [ { "function": "main.(*server).handle",
              "capture": ["req.ID", "req.Path", "req.User", "req.Tags", "len(req.Tags)"],
              "columns": [ { "name": "id", "sql": "\"req.ID\"", "type": "bigint" },
                           { "name": "path", "sql": "\"req.Path\"->>'$'" },
                           { "name": "user_name", "sql": "\"req.User\"->>'$'", "type": "varchar" },
                           { "name": "tag_count", "sql": "\"len(req.Tags)\"", "type": "bigint" } ] } ] } ],
          "tables": [ { "name": "inflight", "sql": "SELECT snapshot_id, host, pid, goid, id, path, user_name, tag_count FROM main_server_handle" },
                      { "name": "by_user", "sql": "SELECT snapshot_id, user_name, count(*) AS n, sum(tag_count) AS tags FROM inflight GROUP BY ALL" },
                      { "name": "next_requests", "sql": "SELECT snapshot_id, host, pid, goid, id - 1 AS previous_id FROM inflight" } ],
          "links": [ { "name": "goroutine", "from": { "table": "inflight", "columns": ["snapshot_id", "host", "pid", "goid"] },
                       "to": { "table": "goroutines", "columns": ["snapshot_id", "host", "pid", "goid"] } },
                     { "name": "next", "from": { "table": "inflight", "columns": ["id"] }, "to": { "table": "next_requests", "columns": ["previous_id"] } } ] }
        """;

    public static int Run(string[] args)
    {
        var snapshots = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 100;
        var n = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 10_000;
        var runs = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 10;
        var path = Path.Combine(Path.GetTempPath(), $"sideeye-reports-{Guid.NewGuid():N}.duckdb");
        try
        {
            var spec = CaptureSpecFile.Parse(Spec, "reports.json");
            using (var target = LaunchedProgram.StartUntilReady(GoFixture.Build("requests", GoToolchains.Newest), ["-n", n.ToString(CultureInfo.InvariantCulture)], TimeSpan.FromMinutes(2)))
            using (var snapshotter = new LocalSnapshotter { Captures = CaptureSpec.Empty.WithCapture("requests", "main.(*server).handle", [.. spec.Programs[0].Functions[0].Expressions]) })
            using (var store = SnapshotStore.Open(path))
            {
                var snapshot = snapshotter.Take([target.Pid]);
                var appending = Stopwatch.StartNew();
                for (var i = 0; i < snapshots; i++) store.Append(snapshot);
                Console.WriteLine($"store: {snapshots} snapshots x {snapshot.Processes[0].Goroutines.Count} goroutines, {snapshot.Processes[0].Captures!.Count} values each, " +
                                  $"appended in {appending.Elapsed.TotalSeconds:F1} s, {new FileInfo(path).Length >> 20} MiB");
            }
            var apply = new List<double>();
            var derived = new List<double>();
            var link = new List<double>();
            long rows = 0, linked = 0, pairs = 0;
            var inSnapshot = new List<double>();
            for (var r = 0; r < runs; r++)
            {
                using var store = SnapshotStore.OpenReadOnly(path);
                var sw = Stopwatch.StartNew();
                var applied = ReportViews.Apply(store, spec.Reports);
                apply.Add(sw.Elapsed.TotalMilliseconds);
                if (applied.Problems.Count > 0) throw new InvalidOperationException(string.Join("; ", applied.Problems));
                sw.Restart();
                rows = Convert.ToInt64(store.Query("SELECT sum(n)::BIGINT FROM by_user").Rows[0][0], CultureInfo.InvariantCulture);
                derived.Add(sw.Elapsed.TotalMilliseconds);
                sw.Restart();
                linked = Convert.ToInt64(store.Query($"""
                    SELECT count(*) FROM inflight i
                    JOIN goroutines g USING (snapshot_id, host, pid, goid)
                    JOIN frames f USING (snapshot_id, host, pid, goid)
                    WHERE i.snapshot_id = {snapshots} AND f.func = 'main.(*server).handle'
                    """).Rows[0][0], CultureInfo.InvariantCulture);
                link.Add(sw.Elapsed.TotalMilliseconds);
                // What #!sideeye stacks does: every goroutine pair of one snapshot the links join (views applied anew).
                sw.Restart();
                pairs = GoroutineLinks.InSnapshot(store, spec.Reports, snapshots).Count;
                inSnapshot.Add(sw.Elapsed.TotalMilliseconds);
            }
            Console.WriteLine($"apply the spec's views (a read-only session): median {Samples.Median(apply):F1} ms (first {apply[0]:F1} ms; goal under 50 ms)");
            Console.WriteLine($"a derived table over every snapshot ({rows} report rows): median {Samples.Median(derived):F0} ms (goal under 1 s)");
            Console.WriteLine($"the link from one snapshot's {linked} report rows to their goroutines and frames: median {Samples.Median(link):F0} ms (goal under 200 ms)");
            Console.WriteLine($"every pair the links join in one snapshot ({pairs} pairs, both ways, views applied too): median {Samples.Median(inSnapshot):F0} ms");
            return 0;
        }
        finally
        {
            File.Delete(path);
            File.Delete(path + ".wal");
        }
    }
}
