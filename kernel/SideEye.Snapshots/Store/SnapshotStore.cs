using System.Buffers;
using System.Data.Common;
using System.Text;
using System.Text.Json;
using DuckDB.NET.Data;
using SideEye.Snapshots.Model;

namespace SideEye.Snapshots.Store;

/// <summary>
/// Snapshots in a DuckDB file, for SQL. Tables: snapshots, processes, stacks (each distinct stack of a
/// snapshot once), goroutines, and the view frames (goroutines joined with their stacks). One connection;
/// not thread-safe.
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
        try
        {
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
                using var tx = _connection.BeginTransaction();
                for (; v < StoreSchema.Version; v++) Execute(StoreSchema.Migrations[v]);
                Execute($"INSERT INTO schema_version VALUES ({StoreSchema.Version})");
                tx.Commit();
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

    /// <summary>
    /// Writes a snapshot in one transaction and returns its id: <see cref="Snapshot.SnapshotId"/>, or when that
    /// is 0 the next id after the largest stored.
    /// </summary>
    public long Append(Snapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        if (snapshot.SnapshotId < 0) throw new ArgumentException($"snapshot id {snapshot.SnapshotId} is negative", nameof(snapshot));
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
                        .AppendValue(id).AppendValue(p.Pid).AppendValue(p.Hostname).AppendValue(p.Exe).AppendValue(p.GoVersion)
                        .AppendValue(p.PauseNs).AppendValue(p.ProbeNs).AppendValue((long)p.Goroutines.Count)
                        .AppendValue(p.Truncated).AppendValue(p.Error)
                        .EndRow();
            });
            AppendGoroutinesAndStacks(id, snapshot.Processes);
            tx.Commit();
            return id;
        }
        catch (DbException e)
        {
            throw new SnapshotStoreException(Path, $"cannot append the snapshot: {FirstLine(e.Message)}", e);
        }
    }

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
                                .AppendValue(f.Func).AppendValue(f.File).AppendValue(f.Line).AppendValue(f.Inlined)
                                .EndRow();
                        }
                    }
                    goroutines.CreateRow()
                        .AppendValue(snapshotId).AppendValue(p.Pid).AppendValue(g.Goid).AppendValue(g.Status).AppendValue(g.WaitReason)
                        .AppendValue(g.WaitSinceNs).AppendValue(g.ThreadId).AppendValue(g.CreatedByGoid).AppendValue(g.CreatedByFunc)
                        .AppendValue(g.StartFunc).AppendValue(stackId).AppendValue(LabelsJson(g.Labels)).AppendValue(g.Truncated)
                        .EndRow();
                }
            }
        }));
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

    public void Dispose() => _connection.Dispose();
}
