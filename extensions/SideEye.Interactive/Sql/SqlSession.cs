using System.Data.Common;
using DuckDB.NET.Data;
using SideEye.Probes.Specs;
using SideEye.Snapshots.Reports;
using SideEye.Snapshots.Store;

namespace SideEye.Interactive.Sql;

/// <summary>
/// The DuckDB session behind one SQL kernel: an in-memory database that lasts as long as the kernel, so temporary
/// tables, macros, variables and settings carry from cell to cell, with the snapshot store ATTACHed READ_ONLY
/// for the length of one cell.
/// </summary>
/// <remarks>
/// Not a connection to the store file itself: DuckDB.NET shares one database instance per path within a process and
/// ignores the access mode of every opener after the first. A read-only connection kept open would make the
/// store that #!sideeye snapshot opens read-only too (its append fails), and one opened while a C# cell holds the
/// store for writing would write. An attachment belongs to this session's own instance, is read-only whoever
/// else has the file open, and is detached when the cell ends, so between cells the file is not held at all.
/// </remarks>
sealed class SqlSession : IDisposable
{
    const string NoStatement = "the cell has no SQL statement to run";
    static readonly string NoMessage = new System.Runtime.InteropServices.ExternalException().Message;

    readonly DuckDBConnection _connection = new("Data Source=:memory:");
    readonly Lock _gate = new();

    /// <summary>
    /// Runs the statements of a cell against a snapshot store: every result set, with all its rows when
    /// <paramref name="keepAll"/>, else with the first <paramref name="shownRows"/> (the rest only counted).
    /// Anything the cell ATTACHed is detached afterwards, with the store.
    /// </summary>
    /// <param name="reports">The notebook's spec's columns, tables and links, applied to the attached store for the cell
    /// (each part that cannot be applied is left out; <see cref="LastReportProblems"/> says why).</param>
    public IReadOnlyList<SqlResultSet> Run(string database, string sql, int shownRows, bool keepAll, CancellationToken cancellation, ReportSpec? reports = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(database);
        ArgumentNullException.ThrowIfNull(sql);
        if (string.IsNullOrWhiteSpace(sql)) throw new SideEyeException(NoStatement);
        // The framework fails a cancelled cell at once and may start the next while the interrupted query still
        // unwinds on the one connection.
        lock (_gate) return RunAlone(database, sql, shownRows, keepAll, cancellation, reports ?? ReportSpec.Empty);
    }

    /// <summary>Why parts of the spec's reports were left out of the last cell, one line each.</summary>
    public IReadOnlyList<ReportProblem> LastReportProblems { get; private set; } = [];

    IReadOnlyList<SqlResultSet> RunAlone(string database, string sql, int shownRows, bool keepAll, CancellationToken cancellation, ReportSpec reports)
    {
        Check(database);
        if (_connection.State != System.Data.ConnectionState.Open) _connection.Open();
        var alias = Alias(database);
        Execute($"ATTACH {Literal(database)} AS {Identifier(alias)} (READ_ONLY)", database);
        IReadOnlyList<SqlResultSet> results;
        var leftOpen = false;
        try
        {
            Execute($"USE {Identifier(alias)}", database);
            // Temporary views over this cell's attachment: the spec's reports, as every other reader of the store sees them.
            LastReportProblems = ReportViews.Apply(new ReportSql(database, alias, s => Rows(s, database)), reports).Problems;
            results = Query(sql, shownRows, keepAll, cancellation);
        }
        finally
        {
            // A database cannot be detached in a transaction that used it, and an aborted one refuses every
            // statement after it: a transaction the cell began ends with the cell.
            leftOpen = RollBack(database);
            DetachAll(database);
        }
        return leftOpen
            ? throw new SideEyeException("the cell began a transaction and did not end it: it was rolled back, for the store is attached for one cell only; end it with COMMIT in the cell")
            : results;
    }

    /// <summary>Rolls back the open transaction; false if there is none.</summary>
    bool RollBack(string database)
    {
        try
        {
            Execute("ROLLBACK", database);
            return true;
        }
        catch (SnapshotStoreException e) when (e.Problem.Contains("no transaction is active", StringComparison.Ordinal))
        {
            return false;
        }
    }

    /// <summary>Sets a DuckDB variable of the session (a value shared from another kernel), for getvariable('NAME').</summary>
    public void SetVariable(string name, object? value)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var literal = SqlLiteral.Of(value);
        lock (_gate)
        {
            if (_connection.State != System.Data.ConnectionState.Open) _connection.Open();
            try
            {
                using var command = _connection.CreateCommand();
                command.CommandText = $"SET VARIABLE {Identifier(name)} = {literal}";
                command.ExecuteNonQuery();
            }
            catch (DbException e)
            {
                throw new SideEyeException($"cannot set {name}: {FirstLine(e.Message)}", e);
            }
        }
    }

    /// <summary>
    /// The store's own check, so that a missing file, another kind of DuckDB file or another schema version reads
    /// as it does for #!sideeye stacks. It opens a database instance of its own (tens of milliseconds), so a file
    /// that has not changed since it passed is not checked again.
    /// </summary>
    void Check(string database)
    {
        var file = new FileInfo(database);
        var version = (database, file.Exists ? file.LastWriteTimeUtc : default, file.Exists ? file.Length : -1);
        if (_checked == version) return;
        using (SnapshotStore.OpenReadOnly(database)) { }
        _checked = version;
    }

    (string Path, DateTime Written, long Length)? _checked;

    List<SqlResultSet> Query(string sql, int shownRows, bool keepAll, CancellationToken cancellation)
    {
        var results = new List<SqlResultSet>();
        using var command = _connection.CreateCommand();
        command.CommandText = sql;
        // Rows come from DuckDB a chunk at a time instead of the whole result at once: most are only counted.
        command.UseStreamingMode = true;
        using var interrupt = new QueryInterrupt(command, cancellation);
        cancellation.ThrowIfCancellationRequested();
        var column = "";
        try
        {
            using var reader = command.ExecuteReader();
            do
            {
                // A statement without a result (SET, CREATE TEMP TABLE) has no columns: nothing to show.
                if (reader.FieldCount == 0) continue;
                var columns = new SqlColumn[reader.FieldCount];
                var reads = new Func<DbDataReader, int, object?>[columns.Length];
                var keys = new Dictionary<string, int>(StringComparer.Ordinal);
                for (var i = 0; i < columns.Length; i++)
                {
                    var name = reader.GetName(i);
                    var key = keys.TryGetValue(name, out var uses) ? $"{name} ({uses + 1})" : name;
                    keys[name] = uses + 1;
                    (columns[i], reads[i]) = SqlColumnReader.For(reader, i, key);
                }
                var rows = new List<object?[]>();
                long count = 0;
                while (reader.Read())
                {
                    cancellation.ThrowIfCancellationRequested();
                    if (keepAll || count < shownRows)
                    {
                        var row = new object?[columns.Length];
                        for (var i = 0; i < row.Length; i++)
                        {
                            column = columns[i].Name;
                            row[i] = reader.IsDBNull(i) ? null : reads[i](reader, i);
                        }
                        column = "";
                        rows.Add(row);
                    }
                    count++;
                }
                results.Add(new SqlResultSet(columns, rows, count));
            } while (reader.NextResult());
        }
        // SQL of comments only: DuckDB finds no statement and gives no error text, so .NET's default message stands.
        catch (DbException e) when (e.Message == NoMessage)
        {
            throw new SideEyeException(NoStatement, e);
        }
        catch (DbException e)
        {
            throw new SideEyeException(FirstLine(e.Message), e);
        }
        // DuckDB.NET has no reader for some types (UNION) and cannot put some values into the .NET type it chose
        // for their column (a NULL inside a list inside a struct): the cell can say what to do about it.
        catch (Exception e) when (e is InvalidCastException or ArgumentException or NotSupportedException or OverflowException)
        {
            var what = column.Length > 0 ? $"column {column}" : "a column";
            throw new SideEyeException($"DuckDB.NET cannot read {what}: {FirstLine(e.Message)}; convert it in SQL, e.g. to_json(x) or x::VARCHAR", e);
        }
        return results;
    }

    /// <summary>Detaches every database but the session's own, so no file stays open after the cell.</summary>
    void DetachAll(string database)
    {
        Execute("USE memory", database);
        var attached = new List<string>();
        using (var command = _connection.CreateCommand())
        {
            command.CommandText = "SELECT database_name FROM duckdb_databases() WHERE NOT internal AND database_name <> 'memory'";
            using var reader = command.ExecuteReader();
            while (reader.Read()) attached.Add(reader.GetString(0));
        }
        foreach (var name in attached) Execute($"DETACH {Identifier(name)}", database);
    }

    /// <summary>A statement's whole result (for the spec's reports, whose statements return little).</summary>
    QueryResult Rows(string sql, string database)
    {
        try
        {
            using var command = _connection.CreateCommand();
            command.CommandText = sql;
            using var reader = command.ExecuteReader();
            var columns = Enumerable.Range(0, reader.FieldCount).Select(reader.GetName).ToArray();
            var rows = new List<object?[]>();
            while (reader.Read()) rows.Add(Enumerable.Range(0, columns.Length).Select(i => reader.IsDBNull(i) ? null : reader.GetValue(i)).ToArray());
            return new QueryResult(columns, rows);
        }
        catch (DbException e)
        {
            throw new SnapshotStoreException(database, FirstLine(e.Message), e);
        }
    }

    void Execute(string sql, string database)
    {
        try
        {
            using var command = _connection.CreateCommand();
            command.CommandText = sql;
            command.ExecuteNonQuery();
        }
        catch (DbException e)
        {
            throw new SnapshotStoreException(database, FirstLine(e.Message), e);
        }
    }

    /// <summary>The catalog name DuckDB itself gives a file it opens (its name without extension), unless that is one of its own.</summary>
    static string Alias(string database)
    {
        var stem = Path.GetFileNameWithoutExtension(database);
        return stem.Length == 0 || stem.ToLowerInvariant() is "memory" or "temp" or "system" or "main" ? "snapshots" : stem;
    }

    static string Literal(string text) => "'" + text.Replace("'", "''", StringComparison.Ordinal) + "'";

    static string Identifier(string name) => "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    /// <summary>DuckDB's messages may go on with the statement and a caret; the first line says what went wrong.</summary>
    static string FirstLine(string message)
    {
        foreach (var line in message.Split('\n'))
            if (line.Trim() is { Length: > 0 } text) return text;
        return "unknown DuckDB error";
    }

    public void Dispose() => _connection.Dispose();
}
