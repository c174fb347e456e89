namespace SideEye.Snapshots.Store;

/// <summary>The store's tables. A schema change adds a migration step and bumps <see cref="Version"/>.</summary>
static class StoreSchema
{
    public const int Version = 4;

    public static readonly string[] Tables = ["snapshots", "processes", "stacks", "goroutines", "captured", "capture_tables", "capture_columns"];

    /// <summary>
    /// Steps from version N to N + 1, by N: statements that each commit on their own (DuckDB will not make a
    /// column NOT NULL in the transaction that filled it, nor create an index after such an update), the last
    /// one together with the new version. Each is idempotent, so a migration cut short resumes on the next open.
    /// </summary>
    public static readonly IReadOnlyDictionary<int, string[]> Migrations = new Dictionary<int, string[]>
    {
        // 2: goroutines.truncated, the stack went on beyond the frame limit. DuckDB adds no column with a
        // constraint, so NOT NULL follows once the default has filled the old rows.
        [1] =
        [
            "ALTER TABLE goroutines ADD COLUMN IF NOT EXISTS truncated BOOLEAN DEFAULT false",
            "ALTER TABLE goroutines ALTER COLUMN truncated SET NOT NULL",
        ],
        // 3: captured values, and the names of the per-function tables made for them.
        [2] = [CaptureDdl.Replace("CREATE TABLE ", "CREATE TABLE IF NOT EXISTS ", StringComparison.Ordinal)],
        // 4: processes.monotonic_ns, the target's clock when the probe ran, so goroutines' wait starts become durations.
        [3] = ["ALTER TABLE processes ADD COLUMN IF NOT EXISTS monotonic_ns BIGINT"],
    };

    public const string VersionTable = "CREATE TABLE IF NOT EXISTS schema_version(version INTEGER NOT NULL)";

    /// <summary>The current version. Kept in one string so the report and the code cannot disagree.</summary>
    public const string Ddl = """
        CREATE TABLE snapshots(
            snapshot_id BIGINT PRIMARY KEY,
            taken_at    TIMESTAMPTZ NOT NULL,
            note        VARCHAR);
        CREATE TABLE processes(
            snapshot_id BIGINT NOT NULL,
            pid         INTEGER NOT NULL,
            hostname    VARCHAR NOT NULL,
            exe         VARCHAR NOT NULL,
            go_version  VARCHAR NOT NULL,
            pause_ns    BIGINT NOT NULL,
            probe_ns    BIGINT NOT NULL,
            goroutines  BIGINT NOT NULL,
            truncated   BOOLEAN NOT NULL,
            error       VARCHAR,
            monotonic_ns BIGINT);
        CREATE TABLE stacks(
            snapshot_id BIGINT NOT NULL,
            stack_id    BIGINT NOT NULL,
            depth       INTEGER NOT NULL,
            pc          UBIGINT NOT NULL,
            func        VARCHAR NOT NULL,
            file        VARCHAR NOT NULL,
            line        INTEGER NOT NULL,
            inlined     BOOLEAN NOT NULL);
        CREATE TABLE goroutines(
            snapshot_id     BIGINT NOT NULL,
            pid             INTEGER NOT NULL,
            goid            BIGINT NOT NULL,
            status          VARCHAR NOT NULL,
            wait_reason     VARCHAR,
            wait_since_ns   BIGINT,
            thread_id       INTEGER,
            created_by_goid BIGINT,
            created_by_func VARCHAR,
            start_func      VARCHAR,
            stack_id        BIGINT NOT NULL,
            labels          VARCHAR,
            truncated       BOOLEAN NOT NULL DEFAULT false);
        CREATE VIEW frames AS
            SELECT g.snapshot_id, g.pid, g.goid, s.depth, s.pc, s.func, s.file, s.line, s.inlined
            FROM goroutines g
            JOIN stacks s ON s.snapshot_id = g.snapshot_id AND s.stack_id = g.stack_id;
        """ + CaptureDdl;

    /// <summary>
    /// Captured values (version 3). Besides these, each captured function gets a table of its own, made as
    /// snapshots need it (<see cref="CaptureTables"/>): snapshot_id, pid, goid, depth and one JSON column per
    /// expression. capture_tables and capture_columns say which table and column hold what, so names stay the
    /// same across snapshots and a reader need not guess them.
    /// </summary>
    const string CaptureDdl = """

        CREATE TABLE captured(
            snapshot_id BIGINT NOT NULL,
            pid         INTEGER NOT NULL,
            goid        BIGINT NOT NULL,
            depth       INTEGER NOT NULL,
            func        VARCHAR NOT NULL,
            expr        VARCHAR NOT NULL,
            type        VARCHAR NOT NULL,
            value_json  JSON,
            unavailable VARCHAR);
        CREATE TABLE capture_tables(
            func        VARCHAR PRIMARY KEY,
            table_name  VARCHAR NOT NULL UNIQUE);
        CREATE TABLE capture_columns(
            func        VARCHAR NOT NULL,
            expr        VARCHAR NOT NULL,
            column_name VARCHAR NOT NULL,
            PRIMARY KEY (func, expr));
        """;
}
