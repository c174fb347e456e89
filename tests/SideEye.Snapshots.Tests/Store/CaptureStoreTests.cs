using System.Text.Json;
using SideEye.Probes.Specs;
using SideEye.Snapshots.Model;
using SideEye.Snapshots.Store;
using Xunit.Abstractions;
using Stopwatch = System.Diagnostics.Stopwatch;

namespace SideEye.Snapshots.Tests.Store;

/// <summary>Captured values: the long table, one table per function, their names, and joins with goroutines and frames.</summary>
public sealed class CaptureStoreTests(ITestOutputHelper output) : IDisposable
{
    readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    static long Long(object? v) => Convert.ToInt64(v);

    const string Handle = "main.(*server).handle", Lookup = "main.(*server).lookup", Idle = "main.idle";

    static StackFrame F(string func, int line, bool inlined = false) => new(0x401000UL + (ulong)line, func, "/src/app/main.go", line, inlined);

    static GoroutineRecord G(long goid, params StackFrame[] frames) =>
        new(goid, "waiting", "chan receive", null, null, 1, "main.main", "net/http.(*conn).serve", frames, null);

    /// <summary>
    /// Two binaries that both have main.(*server).handle: "api" (pid 100) with an inlined lookup above it and an
    /// idle function nobody is in, "worker" (pid 200) asking for one expression api does not.
    /// </summary>
    static Snapshot TwoBinaries(long snapshotId = 0)
    {
        var apiStack = new[] { F("runtime.gopark", 1), F(Lookup, 20, inlined: true), F(Handle, 30), F("net/http.(*conn).serve", 40), F("runtime.goexit", 50) };
        var api = new ProcessSnapshot(100, "host", "/srv/api", "go1.26.0", 1000, 500, false, null,
            [G(1, apiStack), G(2, apiStack), G(3, F("runtime.gopark", 1), F("main.main", 5))],
            Captures:
            [
                new(1, 2, Handle, "req.ID", "int64", "7", null),
                new(1, 2, Handle, "req.URL.Path", "string", "\"/a\"", null),
                new(1, 1, Lookup, "key", "string", "\"k1\"", null),
                new(2, 2, Handle, "req.ID", "int64", "8", null),
                new(2, 2, Handle, "req.URL.Path", "string", null, "not available at pc"),
                new(2, 1, Lookup, "key", "string", null, "optimized away"),
            ],
            Requested: [new FunctionCapture(Handle, ["req.ID", "req.URL.Path"]), new FunctionCapture(Lookup, ["key"]), new FunctionCapture(Idle, ["n", "m[\"a,b\"]"])]);
        var worker = new ProcessSnapshot(200, "host", "/srv/worker", "go1.22.1", 1000, 500, false, null,
            [G(1, F("runtime.gopark", 1), F(Handle, 31), F("main.main", 6))],
            Captures:
            [
                new(1, 1, Handle, "req.ID", "int64", "9", null),
                new(1, 1, Handle, "len(req.Header)", "int", "3", null),
            ],
            Requested: [new FunctionCapture(Handle, ["req.ID", "len(req.Header)"])]);
        return new Snapshot(snapshotId, new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero), "captures", [api, worker]);
    }

    [Fact]
    public void CapturesJoinGoroutinesAndFramesAcrossTwoBinaries()
    {
        using var store = SnapshotStore.Open(":memory:");
        var id = store.Append(TwoBinaries());

        var joined = store.Query($"""
            SELECT p.exe, c.goid, c.depth, c.func, f.func AS frame_func, f.inlined, g.wait_reason, c.expr, c.type, c.value_json, c.unavailable
            FROM captured c
            JOIN processes p USING (snapshot_id, host, pid)
            JOIN goroutines g USING (snapshot_id, host, pid, goid)
            JOIN frames f USING (snapshot_id, host, pid, goid, depth)
            WHERE c.snapshot_id = {id}
            ORDER BY c.pid, c.goid, c.depth, c.expr
            """);
        Assert.Equal(8, joined.Rows.Count); // every capture found its frame and goroutine
        Assert.All(joined.Rows, r => Assert.Equal(r[3], r[4]));
        Assert.Equal(
        [
            "/srv/api 1 1 main.(*server).lookup True key string \"k1\" -",
            "/srv/api 1 2 main.(*server).handle False req.ID int64 7 -",
            "/srv/api 1 2 main.(*server).handle False req.URL.Path string \"/a\" -",
            "/srv/api 2 1 main.(*server).lookup True key string - optimized away",
            "/srv/api 2 2 main.(*server).handle False req.ID int64 8 -",
            "/srv/api 2 2 main.(*server).handle False req.URL.Path string - not available at pc",
            "/srv/worker 1 1 main.(*server).handle False len(req.Header) int 3 -",
            "/srv/worker 1 1 main.(*server).handle False req.ID int64 9 -",
        ], joined.Rows.Select(r => $"{r[0]} {r[1]} {r[2]} {r[3]} {r[5]} {r[7]} {r[8]} {r[9] ?? "-"} {r[10] ?? "-"}"));

        // value_json is JSON to DuckDB: its operators work on it.
        Assert.Equal("/a", store.Query("SELECT value_json->>'$' AS v FROM captured WHERE expr = 'req.URL.Path' AND value_json IS NOT NULL")[0, "v"]);
        Assert.Equal(24L, Long(store.Query("SELECT sum(value_json::BIGINT)::BIGINT FROM captured WHERE expr = 'req.ID'").Rows[0][0]));
    }

    [Fact]
    public void EachFunctionHasATableWithAColumnPerExpression()
    {
        using var store = SnapshotStore.Open(":memory:");
        store.Append(TwoBinaries());

        Assert.Equal(new Dictionary<string, string>
        {
            [Handle] = "main_server_handle",
            [Lookup] = "main_server_lookup",
            [Idle] = "main_idle",
        }, store.CaptureTableNames());

        // One table for both binaries: the columns are every expression either asked for, in the order asked.
        var handle = store.Query("SELECT * FROM main_server_handle ORDER BY pid, goid");
        Assert.Equal(["snapshot_id", "host", "pid", "goid", "depth", "req.ID", "req.URL.Path", "len(req.Header)"], handle.Columns);
        Assert.Equal(
        [
            "1 host 100 1 2 7 \"/a\" NULL",
            "1 host 100 2 2 8 NULL NULL", // unavailable: NULL here, the reason in captured
            "1 host 200 1 1 9 NULL 3",
        ], handle.Rows.Select(r => string.Join(' ', r.Select(v => v ?? "NULL"))));
        Assert.Equal("\"/a\"", store.Query("""SELECT "req.URL.Path" FROM main_server_handle WHERE goid = 1 AND pid = 100""").Rows[0][0]);

        var lookup = store.Query("SELECT depth, key FROM main_server_lookup ORDER BY goid");
        Assert.Equal(["1 \"k1\"", "1 NULL"], lookup.Rows.Select(r => string.Join(' ', r.Select(v => v ?? "NULL"))));

        // Asked for but on no stack: the table is there, with its columns, empty.
        var idle = store.Query("SELECT * FROM main_idle");
        Assert.Equal(["snapshot_id", "host", "pid", "goid", "depth", "n", "m[\"a,b\"]"], idle.Columns);
        Assert.Empty(idle.Rows);

        Assert.Equal(
        [
            "main.(*server).handle len(req.Header) len(req.Header)", "main.(*server).handle req.ID req.ID", "main.(*server).handle req.URL.Path req.URL.Path",
            "main.(*server).lookup key key", "main.idle m[\"a,b\"] m[\"a,b\"]", "main.idle n n",
        ], store.Query("SELECT func, expr, column_name FROM capture_columns ORDER BY ALL").Rows.Select(r => string.Join(' ', r)));
    }

    [Fact]
    public void NamesAreStableAcrossSnapshotsAndNewExpressionsAddColumns()
    {
        var file = _dir.File("captures.duckdb");
        using (var store = SnapshotStore.Open(file)) store.Append(TwoBinaries());

        // Later, the team also captures req.Method, and a different function that derives the same table name.
        var later = TwoBinaries();
        var api = later.Processes[0];
        var other = "main.server.handle"; // a value receiver in another build: a different function, the same derived name
        api = api with
        {
            Goroutines = [.. api.Goroutines, G(9, F("runtime.gopark", 1), F(other, 60))],
            Captures = [.. api.Captures!, new(1, 2, Handle, "req.Method", "string", "\"GET\"", null), new(9, 1, other, "s", "string", "\"x\"", null)],
            Requested = [.. api.Requested!, new FunctionCapture(Handle, ["req.Method"]), new FunctionCapture(other, ["s"])],
        };
        using (var store = SnapshotStore.Open(file))
        {
            Assert.Equal(2, store.Append(later with { Processes = [api, later.Processes[1]] }));
            var names = store.CaptureTableNames();
            Assert.Equal("main_server_handle", names[Handle]);
            Assert.Equal("main_server_handle_2", names[other]);
        }
        using (var store = SnapshotStore.OpenReadOnly(file))
        {
            var handle = store.Query("""SELECT snapshot_id, pid, goid, "req.ID", "req.Method" FROM main_server_handle ORDER BY ALL""");
            Assert.Equal(
            [
                "1 100 1 7 NULL", "1 100 2 8 NULL", "1 200 1 9 NULL", // before the column existed
                "2 100 1 7 \"GET\"", "2 100 2 8 NULL", "2 200 1 9 NULL",
            ], handle.Rows.Select(r => string.Join(' ', r.Select(v => v ?? "NULL"))));
            Assert.Equal("\"x\"", store.Query("SELECT s FROM main_server_handle_2").Rows.Single()[0]);
            Assert.Equal(4L, Long(store.Query("SELECT count(*) FROM capture_tables").Rows[0][0]));
        }
    }

    [Fact]
    public void ExpressionsThatDuckDbWouldConfuseGetColumnsOfTheirOwn()
    {
        using var store = SnapshotStore.Open(":memory:");
        var s = TwoBinaries();
        var api = s.Processes[0] with
        {
            // Locals called pid and Host, and two fields that differ only in case: DuckDB's identifiers ignore case.
            Captures = [new(1, 2, Handle, "pid", "int", "41", null), new(1, 2, Handle, "x.Name", "string", "\"N\"", null), new(1, 2, Handle, "x.name", "string", "\"n\"", null),
                new(1, 2, Handle, "Host", "string", "\"db\"", null)],
            Requested = null,
        };
        store.Append(s with { Processes = [api] });
        var table = store.Query("SELECT * FROM main_server_handle");
        Assert.Equal(["snapshot_id", "host", "pid", "goid", "depth", "pid #2", "x.Name", "x.name #2", "Host #2"], table.Columns);
        Assert.Equal("host", table.Rows[0][1]);
        Assert.Equal([1L, 100L, 1L, 2L], table.Rows[0].Where((_, i) => i != 1).Take(4).Select(Long));
        Assert.Equal(["41", "\"N\"", "\"n\"", "\"db\""], table.Rows[0].Skip(5).Cast<string>());
        Assert.Equal("pid #2", store.Query("SELECT column_name FROM capture_columns WHERE expr = 'pid'").Rows[0][0]);
    }

    [Fact]
    public void ATableOfTheUsersOwnKeepsItsName()
    {
        var file = _dir.File("mine.duckdb");
        using var store = SnapshotStore.Open(file);
        store.Query("CREATE TABLE main_server_lookup(note VARCHAR)");
        store.Append(TwoBinaries());
        Assert.Equal("main_server_lookup_2", store.CaptureTableNames()[Lookup]);
        Assert.Equal(2L, Long(store.Query("SELECT count(*) FROM main_server_lookup_2").Rows[0][0]));
    }

    [Theory]
    [InlineData("both", "needs either a value or the reason it is unavailable, not both")]
    [InlineData("neither", "needs either a value or the reason it is unavailable, not neither")]
    [InlineData("badjson", "the value is not valid JSON: {\"a\":")]
    [InlineData("twojson", "the value is not valid JSON: 1 2")]
    [InlineData("noframe", "no such frame in the process's goroutines")]
    [InlineData("nogoroutine", "no such frame in the process's goroutines")]
    [InlineData("twice", "captured twice")]
    public void ABadCaptureIsRefusedAndNothingIsWritten(string fault, string message)
    {
        using var store = SnapshotStore.Open(":memory:");
        var s = TwoBinaries();
        var api = s.Processes[0];
        CapturedValue bad = fault switch
        {
            "both" => new(1, 2, Handle, "z", "int", "1", "optimized away"),
            "neither" => new(1, 2, Handle, "z", "int", null, null),
            "badjson" => new(1, 2, Handle, "z", "int", "{\"a\":", null),
            "twojson" => new(1, 2, Handle, "z", "int", "1 2", null),
            "noframe" => new(1, 5, Handle, "z", "int", "1", null),
            "nogoroutine" => new(77, 0, Handle, "z", "int", "1", null),
            _ => new(1, 2, Handle, "req.ID", "int64", "7", null),
        };
        var e = Assert.Throws<ArgumentException>(() => store.Append(s with { Processes = [api with { Captures = [.. api.Captures!, bad] }, s.Processes[1]] }));
        output.WriteLine(e.Message);
        Assert.StartsWith($"process 100: capture of \"{bad.Expression}\" in {Handle} at goroutine {bad.Goid} depth {bad.Depth}: {message}", e.Message);
        foreach (var table in new[] { "snapshots", "goroutines", "captured", "capture_tables" })
            Assert.Equal(0L, Long(store.Query($"SELECT count(*) FROM {table}").Rows[0][0]));
        Assert.Empty(store.Query("SELECT * FROM information_schema.tables WHERE table_name LIKE 'main_%'").Rows);
    }

    /// <summary>The capture queries kernel/SideEye.Snapshots/README.md shows.</summary>
    [Fact]
    public void TheReadmeCaptureQueriesRun()
    {
        using var store = SnapshotStore.Open(":memory:");
        store.Append(TwoBinaries());
        var paths = store.Query("""
            SELECT h.host, h.pid, h.goid, h."req.URL.Path"->>'$' AS path, g.wait_reason
            FROM main_server_handle h JOIN goroutines g USING (snapshot_id, host, pid, goid) WHERE h.snapshot_id = 1
            ORDER BY h.pid, h.goid
            """);
        Assert.Equal(["host 100 1 /a chan receive", "host 100 2 NULL chan receive", "host 200 1 NULL chan receive"], paths.Rows.Select(r => string.Join(' ', r.Select(v => v ?? "NULL"))));
        var why = store.Query("SELECT func, expr, unavailable, count(*) FROM captured WHERE unavailable IS NOT NULL GROUP BY ALL ORDER BY ALL");
        Assert.Equal(["main.(*server).handle req.URL.Path not available at pc 1", "main.(*server).lookup key optimized away 1"], why.Rows.Select(r => string.Join(' ', r)));
    }

    [Fact]
    public void ASnapshotWithoutCapturesMakesNoTables()
    {
        using var store = SnapshotStore.Open(":memory:");
        store.Append(SyntheticSnapshot.Make(2, 50, 3, 4));
        Assert.Empty(store.CaptureTableNames());
        Assert.Equal(0L, Long(store.Query("SELECT count(*) FROM captured").Rows[0][0]));
    }

    /// <summary>
    /// A figure for the report, never asserted: 5 expressions in each of 10,000 frames (50,000 values, the issue's
    /// benchmark shape) over 10 functions, appended three times to one file, against the same snapshot without them.
    /// </summary>
    [Fact]
    public void AppendRateWithCaptures()
    {
        const int goroutines = 10_000, functions = 10, depth = 20;
        var plain = SyntheticSnapshot.Make(processes: 1, goroutinesPerProcess: goroutines, distinctStacks: functions, depth: depth);
        var process = plain.Processes[0];
        string[] expressions = ["req.ID", "req.URL.Path", "len(req.Header)", "w.status", "ctx"];
        var captures = new List<CapturedValue>(goroutines * expressions.Length);
        foreach (var g in process.Goroutines)
            for (var x = 0; x < expressions.Length; x++)
                captures.Add(x == 4
                    ? new CapturedValue(g.Goid, 1, g.Frames[1].Func, expressions[x], "context.Context", null, "not available at pc")
                    : new CapturedValue(g.Goid, 1, g.Frames[1].Func, expressions[x], "string", JsonSerializer.Serialize($"/api/v1/items/{g.Goid}?q={x}"), null));
        var captured = plain with { Processes = [process with { Captures = captures }] };

        using var store = SnapshotStore.Open(_dir.File("bench.duckdb"));
        for (var round = 1; round <= 3; round++)
        {
            var sw = Stopwatch.StartNew();
            store.Append(plain);
            var without = sw.Elapsed;
            sw.Restart();
            var id = store.Append(captured);
            var with = sw.Elapsed;
            output.WriteLine($"append #{round}: {goroutines:N0} goroutines x {depth} frames: {without.TotalMilliseconds:F0} ms; " +
                             $"with {captures.Count:N0} captured values in {functions} functions: {with.TotalMilliseconds:F0} ms " +
                             $"(+{(with - without).TotalMilliseconds:F0} ms, {captures.Count / Math.Max((with - without).TotalSeconds, 1e-3):N0} values/s)");
            Assert.Equal((long)captures.Count, Long(store.Query($"SELECT count(*) FROM captured WHERE snapshot_id = {id}").Rows[0][0]));
        }
        var perTable = store.Query("SELECT table_name FROM capture_tables").Rows.Select(r => (string)r[0]!).ToArray();
        Assert.Equal(functions, perTable.Length);
        Assert.Equal(3L * goroutines, perTable.Sum(t => Long(store.Query($"SELECT count(*) FROM \"{t}\"").Rows[0][0])));
    }
}
