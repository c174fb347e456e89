using System.Globalization;
using SideEye.Probes.Specs;
using SideEye.Snapshots.Analysis;
using SideEye.Snapshots.Selection;
using SideEye.Snapshots.Store;

namespace SideEye.Snapshots.Reports;

/// <summary>
/// One derived table of a spec, read for a person: its rows in one snapshot (the latest unless asked; all of them when
/// the table has no snapshot_id column), optionally of some processes only, the first <see cref="MaxRows"/> kept and
/// the rest counted. A row that names a goroutine (the table has snapshot_id, host, pid and goid) says so, so a viewer
/// can offer to open it.
/// </summary>
public sealed record ReportRows(ReportTable Table, long? SnapshotId, IReadOnlyList<string> Columns, IReadOnlyList<object?[]> Rows, long Total, bool NamesGoroutines)
{
    public const int MaxRows = 1000;

    static readonly string[] GoroutineKey = ["snapshot_id", "host", "pid", "goid"];

    /// <exception cref="SideEyeException">The spec has no such table, or it could not be made here (with why).</exception>
    public static ReportRows Of(SnapshotStore store, ReportSpec spec, string name, long? snapshotId = null, ProcessFilter? processes = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        var applied = ReportViews.Apply(store, spec);
        // The spec's tables and the built-in ones this store has (http_client_calls, …).
        var table = spec.Tables.Concat(applied.Tables).FirstOrDefault(t => string.Equals(t.Name, name, StringComparison.OrdinalIgnoreCase))
            ?? throw new SideEyeException($"the spec has no table \"{name}\" (its tables: {(applied.Tables.Count == 0 ? "none" : string.Join(", ", applied.Tables.Select(t => t.Name)))})");
        if (applied.Problems.FirstOrDefault(p => p.Place == table.Place) is { } problem) throw new SideEyeException($"report {table.Name} cannot be made here: {problem}");
        var columns = store.Query($"SELECT * FROM {ReportViews.Quote(table.Name)} LIMIT 0").Columns;
        var has = columns.ToHashSet(StringComparer.OrdinalIgnoreCase);
        var conditions = new List<string>();
        long? id = null;
        if (has.Contains("snapshot_id"))
        {
            id = SnapshotIds.Resolve(store, snapshotId);
            conditions.Add($"r.snapshot_id = {id.Value.ToString(CultureInfo.InvariantCulture)}");
        }
        if (processes is { IsAll: false })
        {
            if (!has.Contains("host") || !has.Contains("pid") || !has.Contains("snapshot_id"))
                throw new SideEyeException($"report {table.Name} has no snapshot_id, host and pid columns to choose processes by");
            conditions.Add($"EXISTS (SELECT 1 FROM processes p WHERE p.snapshot_id = r.snapshot_id AND p.host = r.host AND p.pid = r.pid AND {processes.ToSql()})");
        }
        var where = conditions.Count == 0 ? "" : " WHERE " + string.Join(" AND ", conditions);
        var total = Convert.ToInt64(store.Query($"SELECT count(*) FROM {ReportViews.Quote(table.Name)} r{where}").Rows[0][0], CultureInfo.InvariantCulture);
        var rows = store.Query($"SELECT * FROM {ReportViews.Quote(table.Name)} r{where} LIMIT {MaxRows}").Rows;
        return new ReportRows(table, id, columns, rows, total, GoroutineKey.All(has.Contains));
    }

    /// <summary>The goroutine row <paramref name="index"/> (from 0) names, or null when the table names none or has fewer rows.</summary>
    public LinkedGoroutine? GoroutineAt(int index)
    {
        if (!NamesGoroutines || index < 0 || index >= Rows.Count) return null;
        int At(string column) => Columns.Select((c, i) => (c, i)).First(x => string.Equals(x.c, column, StringComparison.OrdinalIgnoreCase)).i;
        var row = Rows[index];
        var i = CultureInfo.InvariantCulture;
        return new LinkedGoroutine(Convert.ToInt64(row[At("snapshot_id")], i), (string)row[At("host")]!, Convert.ToInt32(row[At("pid")], i), Convert.ToInt64(row[At("goid")], i));
    }
}
