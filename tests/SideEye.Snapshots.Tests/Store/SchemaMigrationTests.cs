using DuckDB.NET.Data;
using SideEye.Snapshots.Model;
using SideEye.Snapshots.Store;

namespace SideEye.Snapshots.Tests.Store;

/// <summary>
/// Stores written by earlier versions open and are brought up to date in place: their data kept, the new
/// tables there and usable. The old schemas are written out here as they were released, not derived from the
/// current one, so a change to today's DDL cannot quietly change what "version 1" means.
/// </summary>
public sealed class SchemaMigrationTests : IDisposable
{
    readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    static long Long(object? v) => Convert.ToInt64(v);

    const string Version1 = """
        CREATE TABLE schema_version(version INTEGER NOT NULL);
        CREATE TABLE snapshots(snapshot_id BIGINT PRIMARY KEY, taken_at TIMESTAMPTZ NOT NULL, note VARCHAR);
        CREATE TABLE processes(snapshot_id BIGINT NOT NULL, pid INTEGER NOT NULL, hostname VARCHAR NOT NULL, exe VARCHAR NOT NULL,
            go_version VARCHAR NOT NULL, pause_ns BIGINT NOT NULL, probe_ns BIGINT NOT NULL, goroutines BIGINT NOT NULL,
            truncated BOOLEAN NOT NULL, error VARCHAR);
        CREATE TABLE stacks(snapshot_id BIGINT NOT NULL, stack_id BIGINT NOT NULL, depth INTEGER NOT NULL, pc UBIGINT NOT NULL,
            func VARCHAR NOT NULL, file VARCHAR NOT NULL, line INTEGER NOT NULL, inlined BOOLEAN NOT NULL);
        CREATE TABLE goroutines(snapshot_id BIGINT NOT NULL, pid INTEGER NOT NULL, goid BIGINT NOT NULL, status VARCHAR NOT NULL,
            wait_reason VARCHAR, wait_since_ns BIGINT, thread_id INTEGER, created_by_goid BIGINT, created_by_func VARCHAR,
            start_func VARCHAR, stack_id BIGINT NOT NULL, labels VARCHAR);
        CREATE VIEW frames AS
            SELECT g.snapshot_id, g.pid, g.goid, s.depth, s.pc, s.func, s.file, s.line, s.inlined
            FROM goroutines g JOIN stacks s ON s.snapshot_id = g.snapshot_id AND s.stack_id = g.stack_id;
        INSERT INTO schema_version VALUES (1);
        INSERT INTO snapshots VALUES (1, TIMESTAMPTZ '2025-06-01 10:00:00+00', 'old');
        INSERT INTO processes VALUES (1, 7, 'h', '/bin/api', 'go1.21.0', 1, 1, 1, false, NULL);
        INSERT INTO stacks VALUES (1, 99, 0, 4096, 'main.main', '/src/main.go', 3, false);
        INSERT INTO goroutines VALUES (1, 7, 1, 'waiting', 'select', NULL, NULL, NULL, NULL, 'main.main', 99, NULL);
        """;

    /// <summary>A version 2 store as a fresh one was made then (not migrated): truncated declared with the table.</summary>
    static string Version2() => Version1
        .Replace("start_func VARCHAR, stack_id BIGINT NOT NULL, labels VARCHAR);", "start_func VARCHAR, stack_id BIGINT NOT NULL, labels VARCHAR, truncated BOOLEAN NOT NULL DEFAULT false);")
        .Replace("'main.main', 99, NULL);", "'main.main', 99, NULL, false);")
        .Replace("INSERT INTO schema_version VALUES (1);", "INSERT INTO schema_version VALUES (2);");

    /// <summary>A version 3 store as a fresh one was made then: the capture tables, no processes.monotonic_ns.</summary>
    static string Version3() => Version2()
        .Replace("INSERT INTO schema_version VALUES (2);", """
            CREATE TABLE captured(snapshot_id BIGINT NOT NULL, pid INTEGER NOT NULL, goid BIGINT NOT NULL, depth INTEGER NOT NULL,
                func VARCHAR NOT NULL, expr VARCHAR NOT NULL, type VARCHAR NOT NULL, value_json JSON, unavailable VARCHAR);
            CREATE TABLE capture_tables(func VARCHAR PRIMARY KEY, table_name VARCHAR NOT NULL UNIQUE);
            CREATE TABLE capture_columns(func VARCHAR NOT NULL, expr VARCHAR NOT NULL, column_name VARCHAR NOT NULL, PRIMARY KEY (func, expr));
            INSERT INTO schema_version VALUES (3);
            """);

    string Write(string name, string sql)
    {
        var file = _dir.File(name);
        using var c = new DuckDBConnection($"Data Source={file}");
        c.Open();
        using var command = c.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
        return file;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void AnOlderStoreIsMigratedAndTakesCaptures(int version)
    {
        var file = Write($"v{version}.duckdb", version switch { 1 => Version1, 2 => Version2(), _ => Version3() });

        // Read-only opening cannot migrate: it says which version it found.
        var e = Assert.Throws<SnapshotStoreException>(() => SnapshotStore.OpenReadOnly(file));
        Assert.Equal($"{file}: schema version {version} is not the version {SnapshotStore.SchemaVersion} this SideEye reads", e.Message);

        using (var store = SnapshotStore.Open(file))
        {
            Assert.Equal(4, SnapshotStore.SchemaVersion);
            Assert.Equal(4, store.Query("SELECT max(version) FROM schema_version").Rows[0][0]);
            // The old snapshot is intact and reads through the new columns.
            Assert.Equal("old 1 select False", string.Join(' ', store.Query("""
                SELECT s.note, g.goid, g.wait_reason, g.truncated FROM snapshots s JOIN goroutines g USING (snapshot_id)
                """).Rows[0]));
            Assert.Equal(0L, Long(store.Query("SELECT count(*) FROM captured").Rows[0][0]));
            // The same columns, types, defaults and nullability as a store made new.
            using (var fresh = SnapshotStore.Open(":memory:"))
            {
                const string columns = """
                    SELECT table_name, column_name, data_type, is_nullable, column_default FROM information_schema.columns
                    WHERE table_schema = 'main' ORDER BY table_name, ordinal_position
                    """;
                Assert.Equal(Describe(fresh.Query(columns)), Describe(store.Query(columns)));
            }

            var frames = new[] { new StackFrame(0x1000, "runtime.gopark", "/go/src/runtime/proc.go", 400, false), new StackFrame(0x2000, "main.work", "/src/main.go", 9, false) };
            var p = new ProcessSnapshot(8, "h", "/bin/api", "go1.26.0", 1, 1, false, null,
                [new GoroutineRecord(5, "waiting", "chan receive", null, null, null, null, "main.work", frames, null)],
                Captures: [new CapturedValue(5, 1, "main.work", "n", "int", "12", null)], MonotonicNs: 5_000_000_000);
            Assert.Equal(2, store.Append(new Snapshot(0, DateTimeOffset.UnixEpoch, "new", [p])));
        }
        using (var store = SnapshotStore.OpenReadOnly(file))
        {
            Assert.Equal("12", store.Query("SELECT n FROM main_work").Rows.Single()[0]);
            // The old process has no clock reading; the new one keeps its own.
            Assert.Equal(["7 NULL", "8 5000000000"], Describe(store.Query("SELECT pid, monotonic_ns FROM processes ORDER BY snapshot_id")));
            Assert.Equal("main.work 12", string.Join(' ', store.Query("""
                SELECT f.func, c.value_json FROM captured c JOIN frames f USING (snapshot_id, pid, goid, depth)
                """).Rows.Single()));
            // Each migration records the version it reached.
            int[] versions = Enumerable.Range(version, 5 - version).ToArray();
            Assert.Equal(versions, store.Query("SELECT version FROM schema_version ORDER BY version").Rows.Select(r => (int)r[0]!));
        }
    }

    static string[] Describe(QueryResult r) => r.Rows.Select(row => string.Join(' ', row.Select(v => v ?? "NULL"))).ToArray();

    /// <summary>A migration cut short after its first statement committed (the column is there, nullable) resumes.</summary>
    [Fact]
    public void AnInterruptedMigrationResumes()
    {
        var file = Write("half.duckdb", Version1 + "ALTER TABLE goroutines ADD COLUMN truncated BOOLEAN DEFAULT false;");
        using (var store = SnapshotStore.Open(file))
            Assert.Equal("NO", store.Query("SELECT is_nullable FROM information_schema.columns WHERE table_name = 'goroutines' AND column_name = 'truncated'").Rows[0][0]);
        using (var store = SnapshotStore.OpenReadOnly(file))
            Assert.Equal(4, store.Query("SELECT max(version) FROM schema_version").Rows[0][0]);
    }

    [Fact]
    public void ANewStoreHasTheCaptureTables()
    {
        using var store = SnapshotStore.Open(":memory:");
        var tables = store.Query("SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' ORDER BY 1").Rows.Select(r => (string)r[0]!);
        Assert.Equal(["capture_columns", "capture_tables", "captured", "frames", "goroutines", "processes", "schema_version", "snapshots", "stacks"], tables);
        var captured = store.Query("SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'captured' ORDER BY ordinal_position");
        Assert.Equal(["snapshot_id BIGINT", "pid INTEGER", "goid BIGINT", "depth INTEGER", "func VARCHAR", "expr VARCHAR", "type VARCHAR", "value_json JSON", "unavailable VARCHAR"],
            captured.Rows.Select(r => $"{r[0]} {r[1]}"));
    }

    [Fact]
    public void ANewerStoreIsRefused()
    {
        var file = Write("v9.duckdb", Version1 + "INSERT INTO schema_version VALUES (9);");
        var e = Assert.Throws<SnapshotStoreException>(() => SnapshotStore.Open(file));
        Assert.Equal($"{file}: schema version 9 is not the version 4 this SideEye reads", e.Message);
    }
}
