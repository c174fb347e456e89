namespace SideEye.Interactive.Sql;

/// <summary>One column of a SQL result.</summary>
/// <param name="Name">As DuckDB names it; two columns may share a name (<c>SELECT 1 AS a, 2 AS a</c>).</param>
/// <param name="Key">Unique within the result: the name, or "name (2)" for its second use, as .NET Interactive's SQL kernels do.</param>
/// <param name="Type">The SQL type as DuckDB.NET reports it (BIGINT, VARCHAR, TIMESTAMPTZ, INTEGER[], …). JSON is a
/// VARCHAR to DuckDB.NET, so it is shown as one.</param>
/// <param name="ValueType">The .NET type of the column's values (<see cref="SqlColumnReader"/>).</param>
public sealed record SqlColumn(string Name, string Key, string Type, Type ValueType);
