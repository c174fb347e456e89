using DuckDB.NET.Data;

namespace SideEye.Snapshots.Store;

/// <summary>
/// Makes and finds the per-function capture tables inside the append's transaction: one table per function
/// (named by <see cref="CaptureTableName"/>, recorded in capture_tables), one JSON column per expression, named
/// by its text (recorded in capture_columns). An expression first seen in a later snapshot adds a column.
/// Read from the database on every append, never cached: a rolled-back append must leave no trace here either.
/// </summary>
sealed class CaptureTables
{
    /// <summary>The columns every capture table starts with, the key that joins it to frames.</summary>
    public static readonly string[] KeyColumns = ["snapshot_id", "host", "pid", "goid", "depth"];

    /// <summary>The key columns' declarations, as a new table and the version 6 migration make them.</summary>
    public const string KeyDdl = "snapshot_id BIGINT NOT NULL, host VARCHAR NOT NULL, pid INTEGER NOT NULL, goid BIGINT NOT NULL, depth INTEGER NOT NULL";

    readonly DuckDBConnection _connection;
    readonly Dictionary<string, string> _tableOf = new(StringComparer.Ordinal);
    readonly HashSet<string> _takenTables = new(StringComparer.OrdinalIgnoreCase);
    readonly Dictionary<string, Dictionary<string, string>> _columnsOf = new(StringComparer.Ordinal);
    /// <summary>Every table's columns in order, read once: a query per table would cost more than the rows.</summary>
    readonly Dictionary<string, List<string>> _tableColumns = new(StringComparer.OrdinalIgnoreCase);

    CaptureTables(DuckDBConnection connection) => _connection = connection;

    public static CaptureTables Load(DuckDBConnection connection)
    {
        var tables = new CaptureTables(connection);
        foreach (var row in tables.Rows("SELECT func, table_name FROM capture_tables"))
            tables._tableOf[(string)row[0]!] = (string)row[1]!;
        // Any table or view, ours or a user's, blocks a name; so do the store's own, made or not.
        foreach (var row in tables.Rows("SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'"))
            tables._takenTables.Add((string)row[0]!);
        tables._takenTables.UnionWith(StoreSchema.Tables);
        tables._takenTables.UnionWith(["frames", "goroutine_waits", "schema_version"]);
        tables._takenTables.UnionWith(tables._tableOf.Values);
        foreach (var row in tables.Rows("SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'main' ORDER BY table_name, ordinal_position"))
        {
            if (!tables._tableColumns.TryGetValue((string)row[0]!, out var list)) tables._tableColumns[(string)row[0]!] = list = [];
            list.Add((string)row[1]!);
        }
        foreach (var row in tables.Rows("SELECT func, expr, column_name FROM capture_columns"))
        {
            var func = (string)row[0]!;
            if (!tables._columnsOf.TryGetValue(func, out var columns)) tables._columnsOf[func] = columns = new(StringComparer.Ordinal);
            columns[(string)row[1]!] = (string)row[2]!;
        }
        return tables;
    }

    /// <summary>
    /// Makes sure the function's table exists with a column for each expression, and returns its name and, for
    /// each of its columns in table order, the expression it holds (null for key columns and columns that are
    /// not ours).
    /// </summary>
    public (string Table, string?[] ColumnExpressions) Ensure(string function, IEnumerable<string> expressions)
    {
        if (!_tableOf.TryGetValue(function, out var table))
        {
            table = CaptureTableName.Unique(CaptureTableName.Derive(function), _takenTables.Contains);
            Execute($"CREATE TABLE {Quote(table)}({KeyDdl})");
            Execute("INSERT INTO capture_tables VALUES (?, ?)", function, table);
            _tableOf[function] = table;
            _takenTables.Add(table);
            _tableColumns[table] = [.. KeyColumns];
        }
        if (!_columnsOf.TryGetValue(function, out var columns)) _columnsOf[function] = columns = new(StringComparer.Ordinal);
        foreach (var expression in expressions)
        {
            if (columns.ContainsKey(expression)) continue;
            // DuckDB compares identifiers without regard to case: "x.Name" and "x.name", or a local called pid or host,
            // need a column name of their own.
            var taken = new HashSet<string>(KeyColumns.Concat(columns.Values), StringComparer.OrdinalIgnoreCase);
            var column = taken.Contains(expression) ? Unique(expression, taken) : expression;
            Execute($"ALTER TABLE {Quote(table)} ADD COLUMN {Quote(column)} JSON");
            Execute("INSERT INTO capture_columns VALUES (?, ?, ?)", function, expression, column);
            columns[expression] = column;
            _tableColumns[table].Add(column);
        }
        var expressionOf = columns.ToDictionary(c => c.Value, c => c.Key, StringComparer.Ordinal);
        return (table, _tableColumns[table].Select(c => expressionOf.GetValueOrDefault(c)).ToArray());
    }

    /// <summary>"EXPR #2", "EXPR #3", … whichever is not taken yet.</summary>
    internal static string Unique(string expression, IReadOnlySet<string> taken)
    {
        for (var n = 2; ; n++)
            if (!taken.Contains($"{expression} #{n}")) return $"{expression} #{n}";
    }

    /// <summary>A double-quoted SQL identifier.</summary>
    public static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    void Execute(string sql, params object[] parameters)
    {
        using var command = Command(sql, parameters);
        command.ExecuteNonQuery();
    }

    List<object?[]> Rows(string sql, params object[] parameters)
    {
        using var command = Command(sql, parameters);
        using var reader = command.ExecuteReader();
        var rows = new List<object?[]>();
        while (reader.Read())
        {
            var row = new object?[reader.FieldCount];
            for (var i = 0; i < row.Length; i++) row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            rows.Add(row);
        }
        return rows;
    }

    DuckDBCommand Command(string sql, object[] parameters)
    {
        var command = _connection.CreateCommand();
        command.CommandText = sql;
        foreach (var p in parameters) command.Parameters.Add(new DuckDBParameter(p));
        return command;
    }
}
