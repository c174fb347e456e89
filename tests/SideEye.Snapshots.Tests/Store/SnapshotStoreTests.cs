using System.Text.Json;
using DuckDB.NET.Data;
using SideEye.Snapshots.Model;
using SideEye.Snapshots.Store;
using SideEye.Testing;
using Xunit.Abstractions;
using Stopwatch = System.Diagnostics.Stopwatch;

namespace SideEye.Snapshots.Tests.Store;

public sealed class SnapshotStoreTests(ITestOutputHelper output) : IDisposable
{
    readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    static long Long(object? v) => Convert.ToInt64(v);

    [Fact]
    public void RoundTripsARealisticSnapshot()
    {
        var snapshot = SyntheticSnapshot.Make(processes: 3, goroutinesPerProcess: 2000, distinctStacks: 40, depth: 25);
        using var store = SnapshotStore.Open(":memory:");

        var id = store.Append(snapshot);

        Assert.Equal(1, id);
        var s = store.Query("SELECT snapshot_id, taken_at, note FROM snapshots");
        Assert.Single(s.Rows);
        Assert.Equal("synthetic", s[0, "note"]);
        Assert.Equal(snapshot.TakenAt.UtcDateTime, ToUtc(s[0, "taken_at"]));

        var p = store.Query("SELECT pid, hostname, exe, go_version, pause_ns, probe_ns, goroutines, truncated, error FROM processes ORDER BY pid");
        Assert.Equal(3, p.Rows.Count);
        for (var i = 0; i < 3; i++)
        {
            var expected = snapshot.Processes[i];
            Assert.Equal(expected.Pid, p[i, "pid"]);
            Assert.Equal(expected.Exe, p[i, "exe"]);
            Assert.Equal(expected.GoVersion, p[i, "go_version"]);
            Assert.Equal(expected.PauseNs, Long(p[i, "pause_ns"]));
            Assert.Equal(2000L, Long(p[i, "goroutines"]));
            Assert.Equal(expected.Truncated, p[i, "truncated"]);
            Assert.Equal(expected.Error, p[i, "error"]);
        }

        // Every goroutine, field by field.
        var g = store.Query("SELECT pid, goid, status, wait_reason, wait_since_ns, thread_id, created_by_goid, created_by_func, start_func, labels FROM goroutines ORDER BY pid, goid");
        Assert.Equal(6000, g.Rows.Count);
        var row = 0;
        foreach (var proc in snapshot.Processes)
            foreach (var e in proc.Goroutines.OrderBy(x => x.Goid))
            {
                Assert.Equal(proc.Pid, g[row, "pid"]);
                Assert.Equal(e.Goid, Long(g[row, "goid"]));
                Assert.Equal(e.Status, g[row, "status"]);
                Assert.Equal(e.WaitReason, g[row, "wait_reason"]);
                Assert.Equal(e.WaitSinceNs, g[row, "wait_since_ns"] is { } w ? Long(w) : null);
                Assert.Equal(e.ThreadId, (int?)g[row, "thread_id"]);
                Assert.Equal(e.CreatedByGoid, g[row, "created_by_goid"] is { } c ? Long(c) : null);
                Assert.Equal(e.CreatedByFunc, g[row, "created_by_func"]);
                Assert.Equal(e.StartFunc, g[row, "start_func"]);
                if (e.Labels is null) Assert.Null(g[row, "labels"]);
                else Assert.Equal(e.Labels, JsonSerializer.Deserialize<Dictionary<string, string>>((string)g[row, "labels"]!)!);
                row++;
            }

        // Dedup: 40 distinct stacks of 25 frames, whatever the 6000 goroutines.
        Assert.Equal(40L, Long(store.Query("SELECT count(DISTINCT stack_id) FROM goroutines").Rows[0][0]));
        Assert.Equal(40L * 25, Long(store.Query("SELECT count(*) FROM stacks").Rows[0][0]));
        Assert.Equal(40L, Long(store.Query("SELECT count(DISTINCT stack_id) FROM stacks").Rows[0][0]));

        // The frames view gives each goroutine its own frames, innermost first.
        var someone = snapshot.Processes[1].Goroutines[1234];
        var f = store.Query($"SELECT depth, pc, func, file, line, inlined FROM frames WHERE pid = {snapshot.Processes[1].Pid} AND goid = {someone.Goid} ORDER BY depth");
        Assert.Equal(someone.Frames.Count, f.Rows.Count);
        for (var d = 0; d < f.Rows.Count; d++)
        {
            Assert.Equal(d, f[d, "depth"]);
            Assert.Equal(someone.Frames[d], new StackFrame((ulong)f[d, "pc"]!, (string)f[d, "func"]!, (string)f[d, "file"]!, (int)f[d, "line"]!, (bool)f[d, "inlined"]!));
        }
        Assert.Equal(6000L * 25, Long(store.Query("SELECT count(*) FROM frames").Rows[0][0]));
    }

    /// <summary>The queries kernel/SideEye.Snapshots/README.md shows, so the documentation keeps working.</summary>
    [Fact]
    public void TheReadmeQueriesRun()
    {
        using var store = SnapshotStore.Open(":memory:");
        store.Append(SyntheticSnapshot.Make(processes: 2, goroutinesPerProcess: 500, distinctStacks: 7, depth: 6));

        var states = store.Query("SELECT coalesce(wait_reason, status) AS state, count(*) FROM goroutines WHERE snapshot_id = 1 GROUP BY ALL ORDER BY 2 DESC");
        Assert.Equal(1000L, states.Rows.Sum(r => Long(r[1])));

        var top = store.Query("""
            SELECT s.func, s.file, s.line, count(*) AS goroutines
            FROM goroutines g JOIN stacks s USING (snapshot_id, stack_id)
            WHERE s.depth = 0 GROUP BY ALL ORDER BY goroutines DESC LIMIT 10
            """);
        Assert.Equal(7, top.Rows.Count);
        Assert.Equal(1000L, top.Rows.Sum(r => Long(r[3])));

        var labelled = store.Query("SELECT host, pid, goid, labels->>'handler' AS handler FROM goroutines WHERE labels IS NOT NULL ORDER BY pid, goid");
        Assert.Equal(2 * 167, labelled.Rows.Count); // every third goroutine
        Assert.Equal("/api/0", labelled[0, "handler"]);

        var programs = store.Query("""
            SELECT p.program, p.environment, count(DISTINCT (p.host, p.pid)) AS processes, count(*) AS goroutines
            FROM processes p JOIN goroutines g USING (snapshot_id, host, pid) WHERE p.snapshot_id = 1 GROUP BY ALL ORDER BY ALL
            """);
        Assert.Equal(["svc0 NULL 1 500", "svc1 NULL 1 500"], programs.Rows.Select(r => string.Join(' ', r.Select(v => v ?? "NULL"))));
    }

    [Fact]
    public void StackIdsAreStableAcrossSnapshots()
    {
        using var store = SnapshotStore.Open(":memory:");
        store.Append(SyntheticSnapshot.Make(2, 300, 12, 10));
        store.Append(SyntheticSnapshot.Make(1, 500, 12, 10));
        var differing = store.Query("""
            SELECT count(*) FROM (
              (SELECT DISTINCT stack_id FROM stacks WHERE snapshot_id = 1 EXCEPT SELECT DISTINCT stack_id FROM stacks WHERE snapshot_id = 2)
              UNION ALL
              (SELECT DISTINCT stack_id FROM stacks WHERE snapshot_id = 2 EXCEPT SELECT DISTINCT stack_id FROM stacks WHERE snapshot_id = 1))
            """);
        Assert.Equal(0L, Long(differing.Rows[0][0]));
        Assert.Equal(24L, Long(store.Query("SELECT count(DISTINCT (snapshot_id, stack_id)) FROM stacks").Rows[0][0]));
    }

    [Fact]
    public void TwoSnapshotsInOneFileSurviveReopening()
    {
        var file = _dir.File("two.duckdb");
        using (var store = SnapshotStore.Open(file))
            Assert.Equal(1, store.Append(SyntheticSnapshot.Make(1, 100, 5, 8)));
        using (var store = SnapshotStore.Open(file))
            Assert.Equal(2, store.Append(SyntheticSnapshot.Make(2, 50, 3, 4)));
        using (var store = SnapshotStore.Open(file))
        {
            var counts = store.Query("SELECT snapshot_id, count(*) AS n FROM goroutines GROUP BY snapshot_id ORDER BY snapshot_id");
            Assert.Equal([1L, 2L], counts.Rows.Select(r => Long(r[0])));
            Assert.Equal([100L, 100L], counts.Rows.Select(r => Long(r[1])));
            Assert.Equal(1L, Long(store.Query("SELECT count(*) FROM schema_version").Rows[0][0]));
            Assert.Equal(SnapshotStore.SchemaVersion, store.Query("SELECT version FROM schema_version").Rows[0][0]);
        }
    }

    [Fact]
    public void AnExplicitIdIsKeptAndADuplicateWritesNothing()
    {
        using var store = SnapshotStore.Open(":memory:");
        Assert.Equal(42, store.Append(SyntheticSnapshot.Make(1, 10, 2, 3, snapshotId: 42)));
        Assert.Equal(43, store.Append(SyntheticSnapshot.Make(1, 10, 2, 3)));

        var e = Assert.Throws<SnapshotStoreException>(() => store.Append(SyntheticSnapshot.Make(1, 10, 2, 3, snapshotId: 42)));
        Assert.Equal(":memory:: snapshot 42 is already stored", e.Message);
        Assert.Equal(20L, Long(store.Query("SELECT count(*) FROM goroutines").Rows[0][0]));
        Assert.Equal(2L, Long(store.Query("SELECT count(*) FROM processes").Rows[0][0]));
    }

    [Fact]
    public void AFailedAppendLeavesNothingBehind()
    {
        using var store = SnapshotStore.Open(_dir.File("rollback.duckdb"));
        store.Append(SyntheticSnapshot.Make(1, 10, 2, 3));
        var good = SyntheticSnapshot.Make(2, 3000, 20, 10);
        var goroutines = good.Processes[1].Goroutines.ToArray();
        goroutines[2500] = goroutines[2500] with { Status = null! }; // status is NOT NULL: DuckDB refuses the row
        var bad = good with { Processes = [good.Processes[0], good.Processes[1] with { Goroutines = goroutines }] };

        var e = Assert.Throws<SnapshotStoreException>(() => store.Append(bad));
        output.WriteLine(e.Message);
        Assert.StartsWith($"{store.Path}: cannot append the snapshot: ", e.Message);
        Assert.Contains("NOT NULL constraint failed: goroutines.status", e.Message); // the cause, not "transaction is aborted"

        foreach (var table in new[] { "snapshots", "processes", "goroutines" })
            Assert.Equal(table == "goroutines" ? 10L : 1L, Long(store.Query($"SELECT count(*) FROM {table}").Rows[0][0]));
        Assert.Equal(2L * 3, Long(store.Query("SELECT count(*) FROM stacks").Rows[0][0]));
        Assert.Equal(2, store.Append(good)); // the id was not used up
    }

    [Fact]
    public void CsvQuotesCommasQuotesAndNewlines()
    {
        using var store = SnapshotStore.Open(":memory:");
        var text = new StringWriter();
        store.QueryCsv("""
            SELECT 'plain' AS a, 'x,y' AS "b,c", 'say "hi"' AS d, E'two\nlines' AS e, E'cr\rhere' AS f, NULL AS g, 42 AS h, true AS i, 1.5::DOUBLE AS j, [1, 2] AS k
            """, text);
        Assert.Equal(
            "a,\"b,c\",d,e,f,g,h,i,j,k\n" +
            "plain,\"x,y\",\"say \"\"hi\"\"\",\"two\nlines\",\"cr\rhere\",,42,true,1.5,\"[1, 2]\"\n",
            text.ToString());
    }

    [Fact]
    public void CsvWritesTimesAndBytesInvariantly()
    {
        using var store = SnapshotStore.Open(":memory:");
        store.Append(SyntheticSnapshot.Make(1, 1, 1, 1));
        var text = new StringWriter();
        store.QueryCsv("""
            SELECT taken_at, TIMESTAMP '2026-01-02 03:04:05.5' AS ts, DATE '2026-01-02' AS d, TIME '03:04:05' AS t,
                   INTERVAL 90 SECOND AS i, '\x01\xAB'::BLOB AS b, 12345678901234567890::HUGEINT AS h, 1.50::DECIMAL(5,2) AS m
            FROM snapshots
            """, text);
        Assert.Equal(
            "taken_at,ts,d,t,i,b,h,m\n" +
            "2026-11-25T19:30:00.123+00:00,2026-01-02T03:04:05.5,2026-01-02,03:04:05,00:01:30,\\x01AB,12345678901234567890,1.50\n",
            text.ToString());
        Assert.Equal(new DateTimeOffset(2026, 11, 25, 19, 30, 0, 123, TimeSpan.Zero), store.Query("SELECT taken_at FROM snapshots").Rows[0][0]);
    }

    [Fact]
    public void CsvOfAnEmptyResultIsTheHeader()
    {
        using var store = SnapshotStore.Open(":memory:");
        var text = new StringWriter();
        store.QueryCsv("SELECT goid, status FROM goroutines", text);
        Assert.Equal("goid,status\n", text.ToString());
    }

    [Fact]
    public void BadSqlIsOneLineNamingTheFile()
    {
        var file = _dir.File("bad-sql.duckdb");
        using var store = SnapshotStore.Open(file);
        var e = Assert.Throws<SnapshotStoreException>(() => store.Query("SELEC goid FROM goroutines"));
        output.WriteLine(e.Message);
        Assert.DoesNotContain('\n', e.Message);
        Assert.StartsWith($"{file}: query failed: ", e.Message);
        Assert.Contains("syntax error", e.Message, StringComparison.OrdinalIgnoreCase);

        var missing = Assert.Throws<SnapshotStoreException>(() => store.Query("SELECT nope FROM goroutines"));
        output.WriteLine(missing.Message);
        Assert.DoesNotContain('\n', missing.Message);
        Assert.Contains("nope", missing.Message);
    }

    [Fact]
    public void AFileThatIsNotDuckDbIsRefused()
    {
        var file = _dir.File("notes.txt");
        File.WriteAllText(file, string.Concat(Enumerable.Repeat("this is not a database\n", 500)));
        var e = Assert.Throws<SnapshotStoreException>(() => SnapshotStore.Open(file));
        output.WriteLine(e.Message);
        Assert.StartsWith($"{file}: cannot open: ", e.Message);
        Assert.DoesNotContain('\n', e.Message);
        Assert.Equal(string.Concat(Enumerable.Repeat("this is not a database\n", 500)), File.ReadAllText(file)); // untouched
    }

    [Fact]
    public void ADuckDbFileOfSomethingElseIsRefused()
    {
        var file = _dir.File("other.duckdb");
        using (var c = new DuckDBConnection($"Data Source={file}"))
        {
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = "CREATE TABLE snapshots(x INTEGER)";
            cmd.ExecuteNonQuery();
        }
        var e = Assert.Throws<SnapshotStoreException>(() => SnapshotStore.Open(file));
        output.WriteLine(e.Message);
        Assert.Equal($"{file}: a DuckDB database with 1 table(s) but not a SideEye snapshot store (no schema_version table)", e.Message);
    }

    [Fact]
    public void AFolderThatDoesNotExistIsReported()
    {
        var file = _dir.File("no/such/folder/x.duckdb");
        var e = Assert.Throws<SnapshotStoreException>(() => SnapshotStore.Open(file));
        output.WriteLine(e.Message);
        Assert.StartsWith($"{file}: cannot open: ", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void ReadOnlyQueriesAndRefusesWrites()
    {
        var file = _dir.File("ro.duckdb");
        Assert.Equal($"{file}: no such file", Assert.Throws<SnapshotStoreException>(() => SnapshotStore.OpenReadOnly(file)).Message);
        Assert.False(File.Exists(file));

        using (var store = SnapshotStore.Open(file)) store.Append(SyntheticSnapshot.Make(1, 20, 2, 3));
        using (var reader = SnapshotStore.OpenReadOnly(file))
        using (var second = SnapshotStore.OpenReadOnly(file))
        {
            Assert.Equal(20L, Long(reader.Query("SELECT count(*) FROM goroutines").Rows[0][0]));
            Assert.Equal(20L, Long(second.Query("SELECT count(*) FROM frames WHERE depth = 0").Rows[0][0]));
            var e = Assert.Throws<SnapshotStoreException>(() => reader.Query("DELETE FROM goroutines"));
            output.WriteLine(e.Message);
            Assert.StartsWith($"{file}: query failed: ", e.Message);
            Assert.Contains("read-only", e.Message);
        }
    }

    /// <summary>Another process (testdata/filelock) holds DuckDB's fcntl lock on the file.</summary>
    [Fact]
    public void AFileLockedByAnotherProcessIsReported()
    {
        var file = _dir.File("locked.duckdb");
        using (var store = SnapshotStore.Open(file)) store.Append(SyntheticSnapshot.Make(1, 5, 1, 2));

        var psi = new System.Diagnostics.ProcessStartInfo(GoFixture.Build("filelock", GoToolchains.Newest))
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
        };
        psi.ArgumentList.Add(file);
        using var holder = System.Diagnostics.Process.Start(psi)!;
        try
        {
            Assert.StartsWith("locked pid=", holder.StandardOutput.ReadLine());
            var e = Assert.Throws<SnapshotStoreException>(() => SnapshotStore.Open(file));
            output.WriteLine(e.Message);
            Assert.StartsWith($"{file}: cannot open: ", e.Message);
            Assert.Contains("lock", e.Message);
            Assert.DoesNotContain('\n', e.Message);
        }
        finally
        {
            holder.StandardInput.Close();
            if (!holder.WaitForExit(10_000)) holder.Kill();
        }
        using (var store = SnapshotStore.Open(file)) // the lock is gone with its holder
            Assert.Equal(5L, Long(store.Query("SELECT count(*) FROM goroutines").Rows[0][0]));
    }

    /// <summary>
    /// A figure for the report, never asserted: 100,000 goroutines × 30 frames sharing 500 stacks, appended
    /// three times to one file (the first append pays for JIT compilation).
    /// </summary>
    [Fact]
    public void AppendRate()
    {
        const int goroutines = 100_000, depth = 30, distinct = 500;
        var snapshot = SyntheticSnapshot.Make(processes: 4, goroutinesPerProcess: goroutines / 4, distinctStacks: distinct, depth: depth);
        var file = _dir.File("bench.duckdb");
        using var store = SnapshotStore.Open(file);
        var rows = goroutines + distinct * depth + 4 + 1;
        for (var round = 1; round <= 3; round++)
        {
            var sw = Stopwatch.StartNew();
            var id = store.Append(snapshot);
            sw.Stop();
            output.WriteLine($"append #{round} of {goroutines:N0} goroutines x {depth} frames ({distinct} distinct stacks, {rows:N0} rows) to a file: " +
                             $"{sw.Elapsed.TotalMilliseconds:F0} ms = {goroutines / sw.Elapsed.TotalSeconds:N0} goroutines/s, {rows / sw.Elapsed.TotalSeconds:N0} rows/s, " +
                             $"{(double)goroutines * depth / sw.Elapsed.TotalSeconds:N0} frames/s");
            Assert.Equal((long)goroutines, Convert.ToInt64(store.Query($"SELECT count(*) FROM goroutines WHERE snapshot_id = {id}").Rows[0][0]));
        }
    }

    static DateTime ToUtc(object? value) => value switch
    {
        DateTime d => d.Kind == DateTimeKind.Local ? d.ToUniversalTime() : DateTime.SpecifyKind(d, DateTimeKind.Utc),
        DateTimeOffset o => o.UtcDateTime,
        _ => throw new InvalidOperationException($"taken_at read as {value?.GetType()}"),
    };
}
