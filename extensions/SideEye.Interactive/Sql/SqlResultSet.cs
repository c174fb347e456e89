namespace SideEye.Interactive.Sql;

/// <summary>
/// The result of one statement of a SQL cell. <see cref="Rows"/> holds every row when the cell keeps its result
/// (--name), else only the first ones to be shown; <see cref="RowCount"/> is always the full count.
/// A value is null for SQL NULL, else as <see cref="SqlColumnReader"/> reads it.
/// </summary>
public sealed record SqlResultSet(IReadOnlyList<SqlColumn> Columns, IReadOnlyList<object?[]> Rows, long RowCount);
