namespace SideEye.Probes.Specs;

/// <summary>
/// What a team's spec (format version 2) says about organizing captured values, as opposed to collecting them: extra
/// columns on a function's table, derived tables (the reports) and links between tables. Plain definitions with the
/// place in the file each came from; what they mean in SQL is the store's business (SideEye.Snapshots.Reports), applied
/// at read time to every snapshot, so changing them never changes a probe.
/// </summary>
public sealed record ReportSpec(IReadOnlyList<ReportColumn> Columns, IReadOnlyList<ReportTable> Tables, IReadOnlyList<ReportLink> Links)
{
    public static ReportSpec Empty { get; } = new([], [], []);

    public bool IsEmpty => Columns.Count == 0 && Tables.Count == 0 && Links.Count == 0;

    public bool Equals(ReportSpec? other) =>
        other is not null && Columns.SequenceEqual(other.Columns) && Tables.SequenceEqual(other.Tables) && Links.SequenceEqual(other.Links);

    public override int GetHashCode() => HashCode.Combine(Columns.Count, Tables.Count, Links.Count);

    /// <summary>Adds the column, or replaces the function's column of that name (in its place). Its place in a file is unknown until the spec is saved and read.</summary>
    public ReportSpec WithColumn(ReportColumn column) => this with
    {
        Columns = Replace(Columns, column, c => c.Function == column.Function && string.Equals(c.Name, column.Name, StringComparison.OrdinalIgnoreCase)),
    };

    public ReportSpec WithoutColumn(string function, string name) =>
        this with { Columns = Columns.Where(c => !(c.Function == function && string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase))).ToArray() };

    /// <summary>Adds the table at the end (so it may use every table before it), or replaces the one of that name in its place.</summary>
    public ReportSpec WithTable(ReportTable table) =>
        this with { Tables = Replace(Tables, table, t => string.Equals(t.Name, table.Name, StringComparison.OrdinalIgnoreCase)) };

    public ReportSpec WithoutTable(string name) => this with { Tables = Tables.Where(t => !string.Equals(t.Name, name, StringComparison.OrdinalIgnoreCase)).ToArray() };

    public ReportSpec WithLink(ReportLink link) =>
        this with { Links = Replace(Links, link, l => string.Equals(l.Name, link.Name, StringComparison.OrdinalIgnoreCase)) };

    public ReportSpec WithoutLink(string name) => this with { Links = Links.Where(l => !string.Equals(l.Name, name, StringComparison.OrdinalIgnoreCase)).ToArray() };

    static T[] Replace<T>(IReadOnlyList<T> items, T item, Func<T, bool> same) =>
        items.Any(same) ? items.Select(i => same(i) ? item : i).ToArray() : [.. items, item];
}

/// <summary>
/// A column computed on a function's table: <paramref name="Sql"/> is an expression over that table's columns (the
/// key columns and one JSON column per captured expression, named by its text), optionally turned into a DuckDB type.
/// </summary>
/// <param name="Place">Where it is in its file, e.g. <c>spec.json: programs[0].functions[1].columns[0]</c>.</param>
public sealed record ReportColumn(string Binary, string Function, string Name, string Sql, ReportColumnType? Type, string Place);

/// <summary>A derived table: a named SQL query over the function tables, the store's tables and earlier derived tables.</summary>
public sealed record ReportTable(string Name, string? Description, string Sql, string Place);

/// <summary>Rows of one table that belong with rows of another: the named columns equal, pairwise; followed either way.</summary>
public sealed record ReportLink(string Name, LinkEnd From, LinkEnd To, string Place);

/// <summary>One side of a <see cref="ReportLink"/>.</summary>
public sealed record LinkEnd(string Table, IReadOnlyList<string> Columns)
{
    public bool Equals(LinkEnd? other) => other is not null && Table == other.Table && Columns.SequenceEqual(other.Columns);
    public override int GetHashCode() => HashCode.Combine(Table, Columns.Count);
}

/// <summary>What a typed column's value becomes (the spec spells these in snake case, e.g. <c>timestamp_ns</c>).</summary>
public enum ReportColumnType
{
    /// <summary>Nanoseconds since the Unix epoch → TIMESTAMPTZ.</summary>
    TimestampNs,
    /// <summary>A time as text (how a Go time.Time is captured) → TIMESTAMPTZ.</summary>
    Timestamp,
    /// <summary>Nanoseconds (a Go time.Duration) → INTERVAL.</summary>
    DurationNs,
    /// <summary>A count of bytes → BIGINT, shown as a size.</summary>
    Bytes,
    Bigint,
    Double,
    Varchar,
    Boolean,
    Json,
}
