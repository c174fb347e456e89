using System.Text.RegularExpressions;
using SideEye.Probes.Specs;
using SideEye.Snapshots.Store;

namespace SideEye.Snapshots.Reports;

/// <summary>
/// A spec's reports applied to a store for one session, never written into the file: temporary views, which DuckDB
/// looks up before the file's own tables. A function table with extra columns is shadowed by a view of the same name
/// (its columns, then the extra ones, each wrapped in its type), derived tables become views in the order the spec
/// gives them, and links are checked against the tables' columns and listed in the temporary table
/// <c>report_links</c>. Because nothing is stored, editing the spec re-organizes every snapshot, older ones too, and a
/// read-only store takes them as well. Each column is tried on its own, so a bad one costs only itself; a derived
/// table that fails (or one it uses) is left out with DuckDB's message.
/// </summary>
public static partial class ReportViews
{
    /// <summary>The store's own tables and views: no report may take their names.</summary>
    static readonly string[] BuiltIn = ["snapshots", "processes", "stacks", "goroutines", "frames", "goroutine_waits", "captured", "capture_tables", "capture_columns", "schema_version", "report_links", .. BuiltInReports.Names];

    /// <summary>Applies <paramref name="spec"/> to a session on <paramref name="store"/> (its own connection).</summary>
    public static AppliedReports Apply(SnapshotStore store, ReportSpec spec) =>
        Apply(new ReportSql(store.Path, (string)store.Query("SELECT current_database()").Rows[0][0]!, store.Query), spec);

    /// <summary>
    /// Applies <paramref name="spec"/> to any DuckDB session in which the store is attached as <see cref="ReportSql.Catalog"/>
    /// (a notebook's SQL kernel attaches it to a database of its own).
    /// </summary>
    public static AppliedReports Apply(ReportSql store, ReportSpec spec)
    {
        var problems = new List<ReportProblem>();
        var catalog = Quote(store.Catalog);
        var functionTables = store.Query($"SELECT func, table_name FROM {catalog}.main.capture_tables").Rows.ToDictionary(r => (string)r[0]!, r => (string)r[1]!, StringComparer.Ordinal);
        // Before the spec's own, which may use them.
        var (builtInTables, builtInLinks) = BuiltInReports.Apply(store, catalog, functionTables);
        var extended = ExtendFunctionTables(store, spec, catalog, functionTables, problems);
        var tables = DerivedTables(store, spec, functionTables.Values.ToHashSet(StringComparer.OrdinalIgnoreCase), problems);
        var links = Links(store, spec, catalog, builtInLinks, problems);
        return new AppliedReports(extended, [.. builtInTables, .. tables], links, problems);
    }

    static List<string> ExtendFunctionTables(ReportSql store, ReportSpec spec, string catalog, Dictionary<string, string> functionTables, List<ReportProblem> problems)
    {
        var extended = new List<string>();
        foreach (var byFunction in spec.Columns.GroupBy(c => c.Function))
        {
            if (!functionTables.TryGetValue(byFunction.Key, out var table))
            {
                foreach (var c in byFunction) problems.Add(new(c.Place, $"no snapshot in {store.Name} captured {byFunction.Key}, so its table does not exist yet"));
                continue;
            }
            var source = $"{catalog}.main.{Quote(table)}";
            var good = new List<string>();
            foreach (var c in byFunction.DistinctBy(c => c.Name, StringComparer.OrdinalIgnoreCase))
            {
                var expression = $"{ColumnTypes.Wrap(c.Sql, c.Type)} AS {Quote(c.Name)}";
                if (Try(store, $"SELECT {expression} FROM {source} t LIMIT 0") is { } why) problems.Add(new(c.Place, why));
                else good.Add(expression);
            }
            if (good.Count == 0) continue;
            store.Query($"CREATE OR REPLACE TEMP VIEW {Quote(table)} AS SELECT t.*, {string.Join(", ", good)} FROM {source} t");
            extended.Add(table);
        }
        return extended;
    }

    static List<ReportTable> DerivedTables(ReportSql store, ReportSpec spec, HashSet<string> functionTables, List<ReportProblem> problems)
    {
        var made = new List<ReportTable>();
        for (var i = 0; i < spec.Tables.Count; i++)
        {
            var t = spec.Tables[i];
            if (BuiltIn.Contains(t.Name, StringComparer.OrdinalIgnoreCase) || functionTables.Contains(t.Name))
            {
                problems.Add(new(t.Place, $"\"{t.Name}\" is the name of one of the store's own tables"));
                continue;
            }
            if (Try(store, $"CREATE OR REPLACE TEMP VIEW {Quote(t.Name)} AS {t.Sql}") is not { } why)
            {
                made.Add(t);
                continue;
            }
            // DuckDB only says the table is missing; the spec knows whether it comes later, or is this very table.
            var missing = MissingTable().Match(why) is { Success: true } m ? m.Groups[1].Value : null;
            var later = spec.Tables.Skip(i).FirstOrDefault(x => string.Equals(x.Name, missing, StringComparison.OrdinalIgnoreCase));
            problems.Add(new(t.Place, later == t ? $"refers to itself ({why})"
                : later is not null ? $"refers to {later.Name}, which is defined after it ({later.Place[(later.Place.IndexOf(": ", StringComparison.Ordinal) + 2)..]}): a table may use only tables before it"
                : spec.Tables.Take(i).FirstOrDefault(x => string.Equals(x.Name, missing, StringComparison.OrdinalIgnoreCase)) is { } failed && !made.Contains(failed)
                    ? $"refers to {failed.Name}, which could not be made (see its own problem)"
                    : why));
        }
        return made;
    }

    static List<ReportLink> Links(ReportSql store, ReportSpec spec, string catalog, List<ReportLink> builtIn, List<ReportProblem> problems)
    {
        var valid = new List<ReportLink>(builtIn);
        foreach (var l in spec.Links)
        {
            var why = BuiltInReports.LinkNames.Contains(l.Name, StringComparer.OrdinalIgnoreCase) ? $"\"{l.Name}\" is the name of a built-in link"
                : Missing(store, catalog, l.From, "from") ?? Missing(store, catalog, l.To, "to");
            if (why is not null) problems.Add(new(l.Place, why));
            else valid.Add(l);
        }
        store.Query("CREATE OR REPLACE TEMP TABLE report_links(name VARCHAR, from_table VARCHAR, from_columns VARCHAR[], to_table VARCHAR, to_columns VARCHAR[])");
        foreach (var l in valid)
            store.Query($"INSERT INTO report_links VALUES ({Literal(l.Name)}, {Literal(l.From.Table)}, {List(l.From.Columns)}, {Literal(l.To.Table)}, {List(l.To.Columns)})");
        return valid;
    }

    /// <summary>Why one end of a link does not fit the session's tables, or null.</summary>
    static string? Missing(ReportSql store, string catalog, LinkEnd end, string side)
    {
        var columns = store.Query($"SELECT column_name FROM duckdb_columns() WHERE table_name = {Literal(end.Table)} AND database_name IN ('temp', {Literal(catalog.Trim('"'))})").Rows.Select(r => (string)r[0]!).ToHashSet(StringComparer.OrdinalIgnoreCase);
        if (columns.Count == 0) return $"{side}: no table or view \"{end.Table}\" (a derived table that could not be made, or a function no snapshot captured?)";
        var absent = end.Columns.FirstOrDefault(c => !columns.Contains(c));
        return absent is null ? null : $"{side}: {end.Table} has no column \"{absent}\" (its columns: {string.Join(", ", columns)})";
    }

    /// <summary>DuckDB's message if the statement fails, else null.</summary>
    static string? Try(ReportSql store, string sql)
    {
        try
        {
            store.Query(sql);
            return null;
        }
        catch (SnapshotStoreException e)
        {
            return e.Problem.StartsWith("query failed: ", StringComparison.Ordinal) ? e.Problem["query failed: ".Length..] : e.Problem;
        }
    }

    [GeneratedRegex("Table with name ([^ ]+) does not exist", RegexOptions.IgnoreCase)]
    private static partial Regex MissingTable();

    internal static string Quote(string name) => CaptureTables.Quote(name);
    internal static string Literal(string text) => "'" + text.Replace("'", "''", StringComparison.Ordinal) + "'";
    static string List(IEnumerable<string> items) => "[" + string.Join(", ", items.Select(Literal)) + "]";
}
