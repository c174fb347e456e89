using System.Buffers;
using System.Data.Common;
using System.Text;
using System.Text.Json;
using DuckDB.NET.Data;
using SideEye.Snapshots.Model;

namespace SideEye.Snapshots.Store;

/// <summary>
/// Snapshots in a DuckDB file, for SQL. Tables: snapshots, processes, stacks (each distinct stack of a
/// snapshot once), goroutines, and the view frames (goroutines joined with their stacks). A process is named by
/// host and pid together: processes on different machines share pids. One connection; not thread-safe.
/// </summary>
public sealed class SnapshotStore : IDisposable
{
    readonly DuckDBConnection _connection;

    SnapshotStore(string path, DuckDBConnection connection)
    {
        Path = path;
        _connection = connection;
    }

    /// <summary>The database file, or ":memory:".</summary>
    public string Path { get; }

    /// <summary>Said once per store and process: the store is readable by other users (<see cref="StoreFileAccess"/>); null otherwise.</summary>
    public string? Warning { get; private set; }

    /// <summary>The schema version this code writes.</summary>
    public static int SchemaVersion => StoreSchema.Version;

    /// <summary>Opens a store, creating the file and the schema if missing; ":memory:" gives a private in-memory store.</summary>
    public static SnapshotStore Open(string path) => Open(path, readOnly: false);

    /// <summary>
    /// Opens an existing store for queries only (what `sideeye query` needs): a missing file is an error rather
    /// than a new store, statements that write fail, and other read-only openers may share the file.
    /// </summary>
    public static SnapshotStore OpenReadOnly(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path)) throw new SnapshotStoreException(path, "no such file");
        return Open(path, readOnly: true);
    }

    static SnapshotStore Open(string path, bool readOnly)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var builder = new DbConnectionStringBuilder { ["Data Source"] = path };
        if (readOnly) builder["ACCESS_MODE"] = "READ_ONLY";
        var connection = new DuckDBConnection(builder.ConnectionString);
        var store = new SnapshotStore(path, connection);
        var created = !readOnly && !File.Exists(path);
        try
        {
            using var _ = readOnly ? null : StoreFileAccess.Private();
            try
            {
                connection.Open();
            }
            catch (DbException e)
            {
                // DuckDB.NET prefixes the engine's own message with the name of the call that failed.
                var message = FirstLine(e.Message);
                const string prefix = "DuckDBOpen failed: ";
                if (message.StartsWith(prefix, StringComparison.Ordinal)) message = message[prefix.Length..];
                throw new SnapshotStoreException(path, "cannot open: " + message, e);
            }
            store.EnsureSchema(create: !readOnly);
            store.Warning = StoreFileAccess.Settle(path, created);
            return store;
        }
        catch
        {
            store.Dispose();
            throw;
        }
    }

    void EnsureSchema(bool create)
    {
        try
        {
            var hasVersionTable = Scalar<long>("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'main' AND table_name = 'schema_version'") > 0;
            if (!hasVersionTable)
            {
                var tables = Scalar<long>("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'main'");
                if (tables > 0 || !create)
                    throw new SnapshotStoreException(Path, $"a DuckDB database with {tables} table(s) but not a SideEye snapshot store (no schema_version table)");
                using var tx = _connection.BeginTransaction();
                Execute(StoreSchema.VersionTable);
                Execute(StoreSchema.Ddl);
                Execute($"INSERT INTO schema_version VALUES ({StoreSchema.Version})");
                tx.Commit();
                return;
            }
            var version = Scalar<int?>("SELECT max(version) FROM schema_version");
            if (create && version is { } v && v < StoreSchema.Version)
            {
                for (; v < StoreSchema.Version; v++)
                {
                    var steps = StoreSchema.MigrationSteps(v, v == 5 ? CaptureTableColumns() : new Dictionary<string, IReadOnlyList<(string, string)>>());
                    for (var i = 0; i < steps.Length; i++)
                    {
                        using var tx = _connection.BeginTransaction();
                        Execute(steps[i]);
                        if (i == steps.Length - 1) Execute($"INSERT INTO schema_version VALUES ({v + 1})");
                        tx.Commit();
                    }
                }
                return;
            }
            if (version != StoreSchema.Version)
                throw new SnapshotStoreException(Path, version is null
                    ? "schema_version is empty: the store was not created by SideEye or its creation was interrupted"
                    : $"schema version {version} is not the version {StoreSchema.Version} this SideEye reads");
        }
        catch (DbException e)
        {
            throw new SnapshotStoreException(Path, "cannot read or create the schema: " + FirstLine(e.Message), e);
        }
    }

    /// <summary>Each capture table's columns with their types, in table order.</summary>
    Dictionary<string, IReadOnlyList<(string Name, string Type)>> CaptureTableColumns()
    {
        var tables = new Dictionary<string, IReadOnlyList<(string, string)>>(StringComparer.Ordinal);
        foreach (var row in Query("""
            SELECT c.table_name, c.column_name, c.data_type FROM information_schema.columns c
            JOIN capture_tables t ON t.table_name = c.table_name
            WHERE c.table_schema = 'main' ORDER BY c.table_name, c.ordinal_position
            """).Rows)
        {
            if (!tables.TryGetValue((string)row[0]!, out var columns)) tables[(string)row[0]!] = columns = new List<(string, string)>();
            ((List<(string, string)>)columns).Add(((string)row[1]!, (string)row[2]!));
        }
        return tables;
    }

    /// <summary>
    /// Writes a snapshot in one transaction and returns its id: <see cref="Snapshot.SnapshotId"/>, or when that
    /// is 0 the next id after the largest stored.
    /// </summary>
    public long Append(Snapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        if (snapshot.SnapshotId < 0) throw new ArgumentException($"snapshot id {snapshot.SnapshotId} is negative", nameof(snapshot));
        foreach (var p in snapshot.Processes) CheckCaptures(p);
        // Rows join on (snapshot, host, pid): a process twice would double every join through it.
        if (snapshot.Processes.GroupBy(p => (HostOf(p), p.Pid)).FirstOrDefault(g => g.Count() > 1) is { } twice)
            throw new ArgumentException($"process {twice.Key.Item2} on {twice.Key.Item1} is in the snapshot {twice.Count()} times", nameof(snapshot));
        using var _ = StoreFileAccess.Private();
        try
        {
            using var tx = _connection.BeginTransaction();
            var id = snapshot.SnapshotId != 0 ? snapshot.SnapshotId : Scalar<long>("SELECT coalesce(max(snapshot_id), 0) + 1 FROM snapshots");
            if (Scalar<long>($"SELECT count(*) FROM snapshots WHERE snapshot_id = {id}") > 0)
                throw new SnapshotStoreException(Path, $"snapshot {id} is already stored");

            Fill("snapshots", appender =>
                appender.CreateRow().AppendValue(id).AppendValue(snapshot.TakenAt.UtcDateTime).AppendValue(snapshot.Note).EndRow());
            Fill("processes", appender =>
            {
                foreach (var p in snapshot.Processes)
                    appender.CreateRow()
                        .AppendValue(id).AppendValue(HostOf(p)).AppendValue(p.Pid).AppendValue(ProgramOf(p)).AppendValue(p.Environment).AppendValue(LabelsJson(p.Labels))
                        .AppendValue(p.Hostname).AppendValue(p.Exe).AppendValue(p.GoVersion)
                        .AppendValue(p.PauseNs).AppendValue(p.ProbeNs).AppendValue((long)p.Goroutines.Count)
                        .AppendValue(p.Truncated).AppendValue(p.Error).AppendValue(p.MonotonicNs).AppendValue(p.Probe?.Verifier?.ProcessedInstructions)
                        .AppendValue(p.ProbeAt?.UtcDateTime).AppendValue(p.NamespacePid).AppendValue(p.Cgroup)
                        .AppendValue(p.Reads?.Missed).AppendValue(p.Reads?.Faulted).AppendValue(p.Reads?.FaultNs)
                        .EndRow();
            });
            AppendGoroutinesAndStacks(id, snapshot.Processes);
            AppendCaptures(id, snapshot.Processes);
            tx.Commit();
            return id;
        }
        catch (DbException e)
        {
            throw new SnapshotStoreException(Path, $"cannot append the snapshot: {FirstLine(e.Message)}", e);
        }
    }

    /// <summary>The host column: the fleet's name for the machine, else its hostname.</summary>
    static string HostOf(ProcessSnapshot p) => p.Host ?? p.Hostname;

    /// <summary>The program column: the rules' name, else the executable's file name; null for an agent's error row (no executable).</summary>
    static string? ProgramOf(ProcessSnapshot p) => p.Program ?? (p.Exe.Length > 0 ? Probes.Specs.ProgramCaptures.ProgramName(p.Exe) : null);

    void AppendGoroutinesAndStacks(long snapshotId, IReadOnlyList<ProcessSnapshot> processes)
    {
        var stackIds = new StackIds();
        Fill("goroutines", goroutines => Fill("stacks", stacks =>
        {
            foreach (var p in processes)
            {
                foreach (var g in p.Goroutines)
                {
                    var (stackId, isNew) = stackIds.Get(g.Frames);
                    if (isNew)
                    {
                        for (var depth = 0; depth < g.Frames.Count; depth++)
                        {
                            var f = g.Frames[depth];
                            stacks.CreateRow()
                                .AppendValue(snapshotId).AppendValue(stackId).AppendValue(depth).AppendValue(f.Pc)
                                .AppendValue(f.Func).AppendValue(f.File).AppendValue(f.Line).AppendValue(f.Inlined).AppendValue(f.Wrapper).AppendValue(f.Shown)
                                .EndRow();
                        }
                    }
                    goroutines.CreateRow()
                        .AppendValue(snapshotId).AppendValue(HostOf(p)).AppendValue(p.Pid).AppendValue(g.Goid).AppendValue(g.Status).AppendValue(g.WaitReason)
                        .AppendValue(g.WaitSinceNs).AppendValue(g.ThreadId).AppendValue(g.CreatedByGoid).AppendValue(g.CreatedByFunc)
                        .AppendValue(g.StartFunc).AppendValue(stackId).AppendValue(LabelsJson(g.Labels)).AppendValue(g.Truncated)
                        .EndRow();
                }
            }
        }));
    }

    /// <summary>
    /// A capture that names no frame of its process, lacks both value and reason or has both, or repeats a
    /// (frame, function, expression), is the decoder's bug: refused before anything is written.
    /// </summary>
    static void CheckCaptures(ProcessSnapshot process)
    {
        if (process.Captures is not { Count: > 0 } captures) return;
        var depths = new Dictionary<long, int>(process.Goroutines.Count);
        foreach (var g in process.Goroutines) depths[g.Goid] = g.Frames.Count;
        var seen = new HashSet<(long, int, string, string)>();
        foreach (var c in captures)
        {
            var what = $"process {process.Pid}: capture of \"{c.Expression}\" in {c.Function} at goroutine {c.Goid} depth {c.Depth}";
            if (string.IsNullOrEmpty(c.Function) || string.IsNullOrEmpty(c.Expression) || c.Type is null)
                throw new ArgumentException($"{what}: function, expression and type are required", nameof(process));
            if ((c.ValueJson is null) == (c.Unavailable is null))
                throw new ArgumentException($"{what}: needs either a value or the reason it is unavailable, not {(c.ValueJson is null ? "neither" : "both")}", nameof(process));
            // DuckDB's Appender stores any text in a JSON column, and a malformed value then fails every query that reads it.
            if (c.ValueJson is not null && !IsJson(c.ValueJson))
                throw new ArgumentException($"{what}: the value is not valid JSON: {(c.ValueJson.Length > 80 ? c.ValueJson[..80] + "…" : c.ValueJson)}", nameof(process));
            if (!depths.TryGetValue(c.Goid, out var frames) || c.Depth < 0 || c.Depth >= frames)
                throw new ArgumentException($"{what}: no such frame in the process's goroutines", nameof(process));
            if (!seen.Add((c.Goid, c.Depth, c.Function, c.Expression)))
                throw new ArgumentException($"{what}: captured twice", nameof(process));
        }
    }

    static bool IsJson(string text)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(text.Length));
        try
        {
            var length = Encoding.UTF8.GetBytes(text, buffer);
            var reader = new Utf8JsonReader(buffer.AsSpan(0, length));
            while (reader.Read()) { }
            return reader.BytesConsumed == length && reader.TokenType != JsonTokenType.None;
        }
        catch (JsonException) { return false; }
        finally { ArrayPool<byte>.Shared.Return(buffer); }
    }

    /// <summary>
    /// The long table, then one table per function with a row per frame that has captures. Every requested
    /// function gets its table and columns even without a matching frame, so queries over it do not fail
    /// for want of a goroutine in the right place.
    /// </summary>
    void AppendCaptures(long snapshotId, IReadOnlyList<ProcessSnapshot> processes)
    {
        // Function → expressions, in the order asked for, then in the order found.
        var wanted = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        void Want(string function, string expression)
        {
            if (!wanted.TryGetValue(function, out var list)) wanted[function] = list = [];
            if (!list.Contains(expression, StringComparer.Ordinal)) list.Add(expression);
        }
        foreach (var p in processes)
        {
            foreach (var f in p.Requested ?? [])
            {
                if (!wanted.ContainsKey(f.Function)) wanted[f.Function] = [];
                foreach (var x in f.Expressions) Want(f.Function, x);
            }
            foreach (var c in p.Captures ?? []) Want(c.Function, c.Expression);
        }
        if (wanted.Count == 0) return;

        var tables = CaptureTables.Load(_connection);
        var layouts = wanted.ToDictionary(w => w.Key, w => tables.Ensure(w.Key, w.Value), StringComparer.Ordinal);
        if (!processes.Any(p => p.Captures is { Count: > 0 })) return;

        Fill("captured", appender =>
        {
            foreach (var p in processes)
                foreach (var c in p.Captures ?? [])
                    appender.CreateRow()
                        .AppendValue(snapshotId).AppendValue(HostOf(p)).AppendValue(p.Pid).AppendValue(c.Goid).AppendValue(c.Depth)
                        .AppendValue(c.Function).AppendValue(c.Expression).AppendValue(c.Type).AppendValue(c.ValueJson).AppendValue(c.Unavailable)
                        .EndRow();
        });

        foreach (var (function, (table, columnExpressions)) in layouts)
        {
            var columnOf = new Dictionary<string, int>(StringComparer.Ordinal);
            for (var i = 0; i < columnExpressions.Length; i++)
                if (columnExpressions[i] is { } x) columnOf[x] = i;
            var rows = new List<(string Host, int Pid, long Goid, int Depth, string?[] Values)>();
            foreach (var p in processes)
            {
                // A frame's row, by (goid, depth), in the order its first capture came.
                var frameRow = new Dictionary<(long, int), int>();
                foreach (var c in p.Captures ?? [])
                {
                    if (c.Function != function) continue;
                    if (!frameRow.TryGetValue((c.Goid, c.Depth), out var r))
                    {
                        frameRow[(c.Goid, c.Depth)] = r = rows.Count;
                        rows.Add((HostOf(p), p.Pid, c.Goid, c.Depth, new string?[columnExpressions.Length]));
                    }
                    rows[r].Values[columnOf[c.Expression]] = c.ValueJson;
                }
            }
            if (rows.Count == 0) continue;
            Fill(table, appender =>
            {
                foreach (var (host, pid, goid, depth, values) in rows)
                {
                    var row = appender.CreateRow().AppendValue(snapshotId).AppendValue(host).AppendValue(pid).AppendValue(goid).AppendValue(depth);
                    for (var i = CaptureTables.KeyColumns.Length; i < values.Length; i++) row = row.AppendValue(values[i]);
                    row.EndRow();
                }
            });
        }
    }

    /// <summary>Function → its capture table, as capture_tables records it.</summary>
    public IReadOnlyDictionary<string, string> CaptureTableNames()
    {
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var row in Query("SELECT func, table_name FROM capture_tables").Rows) names[(string)row[0]!] = (string)row[1]!;
        return names;
    }

    /// <summary>
    /// Appends rows to a table and flushes them. When appending fails, the appender is dropped without the
    /// flush that Dispose would try: in an aborted transaction that flush fails too, and its "transaction is
    /// aborted" error would hide the one that explains the failure.
    /// </summary>
    void Fill(string table, Action<DuckDBAppender> rows)
    {
        var appender = _connection.CreateAppender(table);
        try
        {
            rows(appender);
            appender.Close();
        }
        catch
        {
            try { appender.Dispose(); }
            catch (DbException) { } // the first error is being thrown; this one is its echo
            throw;
        }
        appender.Dispose();
    }

    /// <summary>Labels as a JSON object with keys in ordinal order, or null.</summary>
    string? LabelsJson(IReadOnlyDictionary<string, string>? labels)
    {
        if (labels is null) return null;
        var pairs = labels.ToArray();
        Array.Sort(pairs, (a, b) => string.CompareOrdinal(a.Key, b.Key));
        _json.Clear();
        using (var writer = new Utf8JsonWriter(_json))
        {
            writer.WriteStartObject();
            foreach (var (key, value) in pairs) writer.WriteString(key, value);
            writer.WriteEndObject();
        }
        return Encoding.UTF8.GetString(_json.WrittenSpan);
    }

    readonly ArrayBufferWriter<byte> _json = new();

    /// <summary>Runs SQL and returns the whole result.</summary>
    public QueryResult Query(string sql)
    {
        var rows = new List<object?[]>();
        var columns = Read(sql, row => rows.Add(row));
        return new QueryResult(columns, rows);
    }

    /// <summary>Runs SQL and writes the result as CSV: a header line, then one line per row (RFC 4180 quoting, LF line ends).</summary>
    public void QueryCsv(string sql, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        Read(sql, row => Csv.WriteRow(output, row), names => Csv.WriteRow(output, names));
    }

    IReadOnlyList<string> Read(string sql, Action<object?[]> onRow, Action<IReadOnlyList<string>>? onColumns = null)
    {
        ArgumentNullException.ThrowIfNull(sql);
        try
        {
            using var command = _connection.CreateCommand();
            command.CommandText = sql;
            using var reader = command.ExecuteReader();
            var columns = new string[reader.FieldCount];
            var utc = new bool[columns.Length];
            for (var i = 0; i < columns.Length; i++)
            {
                columns[i] = reader.GetName(i);
                utc[i] = reader.GetDataTypeName(i) == "TimestampTz";
            }
            onColumns?.Invoke(columns);
            while (reader.Read())
            {
                var row = new object?[columns.Length];
                for (var i = 0; i < row.Length; i++) row[i] = reader.IsDBNull(i) ? null : Materialize(reader.GetValue(i), utc[i]);
                onRow(row);
            }
            return columns;
        }
        catch (DbException e)
        {
            throw new SnapshotStoreException(Path, "query failed: " + FirstLine(e.Message), e);
        }
    }

    /// <summary>
    /// DuckDB.NET reads TIMESTAMPTZ as a DateTime of unspecified kind holding UTC: it becomes a DateTimeOffset
    /// at +00:00. A BLOB is a stream that lives only as long as the row: it becomes a byte array.
    /// </summary>
    static object Materialize(object value, bool utc) => value switch
    {
        DateTime d when utc => new DateTimeOffset(DateTime.SpecifyKind(d, DateTimeKind.Utc)),
        Stream stream => ReadAll(stream),
        _ => value,
    };

    static byte[] ReadAll(Stream stream)
    {
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    void Execute(string sql)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    T Scalar<T>(string sql)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = sql;
        var value = command.ExecuteScalar();
        if (value is null or DBNull) return default!;
        var target = Nullable.GetUnderlyingType(typeof(T)) ?? typeof(T);
        return (T)Convert.ChangeType(value, target, System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>DuckDB's messages may run to several lines (the SQL, a caret); the first non-empty one says what went wrong.</summary>
    internal static string FirstLine(string message)
    {
        foreach (var line in message.Split('\n'))
        {
            var t = line.Trim();
            if (t.Length > 0) return t;
        }
        return "unknown DuckDB error";
    }

    public void Dispose()
    {
        // Closing checkpoints the write-ahead log into the store: a write like any other.
        using var _ = StoreFileAccess.Private();
        _connection.Dispose();
    }
}
