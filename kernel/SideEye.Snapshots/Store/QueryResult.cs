namespace SideEye.Snapshots.Store;

/// <summary>
/// The whole result of a query: column names, and one array per row in column order. SQL NULL is null;
/// other values are as DuckDB.NET reads them (long, ulong, string, bool, DateTime, lists as List&lt;T&gt;, …).
/// </summary>
public sealed record QueryResult(IReadOnlyList<string> Columns, IReadOnlyList<object?[]> Rows)
{
    /// <summary>The value in the given row and named column.</summary>
    public object? this[int row, string column]
    {
        get
        {
            for (var i = 0; i < Columns.Count; i++)
                if (Columns[i] == column) return Rows[row][i];
            throw new ArgumentException($"no column '{column}' among {string.Join(", ", Columns)}", nameof(column));
        }
    }
}
