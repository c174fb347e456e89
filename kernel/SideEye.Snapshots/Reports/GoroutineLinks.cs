using System.Globalization;
using SideEye.Probes.Specs;
using SideEye.Snapshots.Analysis;
using SideEye.Snapshots.Selection;
using SideEye.Snapshots.Store;

namespace SideEye.Snapshots.Reports;

/// <summary>A row a link leads to from a goroutine, and the goroutine that row names (when its table names goroutines).</summary>
public sealed record LinkedRow(string Link, string FromTable, string ToTable, IReadOnlyList<string> Columns, object?[] Values, LinkedGoroutine? Goroutine)
{
    /// <summary>That goroutine as the snapshot holds it (state, frames, values): a client's request shown inside the server goroutine serving it.</summary>
    public GoroutineDetail? Detail { get; init; }
}

/// <summary>A goroutine as a linked row names it: what opens it.</summary>
public sealed record LinkedGoroutine(long SnapshotId, string Host, int Pid, long Goid);

/// <summary>
/// Where a spec's links and the built-in ones (<see cref="BuiltInReports"/>) lead from one goroutine: for each link with an end whose table names goroutines (it has
/// snapshot_id, host, pid and goid), that end's rows for this goroutine are joined to the other end's rows of the same
/// snapshot on the link's columns, in whichever process or on whichever machine those are: a client's request
/// followed into the server goroutine that holds it. Followed both ways; capped per link.
/// </summary>
public static class GoroutineLinks
{
    public const int MaxRowsPerLink = 50;
    static readonly string[] GoroutineKey = ["snapshot_id", "host", "pid", "goid"];

    public static IReadOnlyList<LinkedRow> Of(SnapshotStore store, ReportSpec spec, long snapshotId, string host, int pid, long goid)
    {
        ArgumentNullException.ThrowIfNull(store);
        var applied = ReportViews.Apply(store, spec);
        var found = new List<LinkedRow>();
        var i = CultureInfo.InvariantCulture;
        foreach (var link in applied.Links)
        {
            foreach (var (near, far) in new[] { (link.From, link.To), (link.To, link.From) })
            {
                var nearColumns = Columns(store, near.Table);
                if (!GoroutineKey.All(nearColumns.Contains)) continue;
                var farColumns = store.Query($"SELECT * FROM {ReportViews.Quote(far.Table)} LIMIT 0").Columns;
                var join = string.Join(" AND ", near.Columns.Zip(far.Columns, (n, f) => $"n.{ReportViews.Quote(n)} = f.{ReportViews.Quote(f)}"));
                var sameSnapshot = farColumns.Contains("snapshot_id", StringComparer.OrdinalIgnoreCase) ? " AND f.snapshot_id = n.snapshot_id" : "";
                var rows = store.Query($"""
                    SELECT DISTINCT f.* FROM {ReportViews.Quote(near.Table)} n JOIN {ReportViews.Quote(far.Table)} f ON {join}{sameSnapshot}
                    WHERE n.snapshot_id = {snapshotId.ToString(i)} AND n.host = {ReportViews.Literal(host)} AND n.pid = {pid.ToString(i)} AND n.goid = {goid.ToString(i)}
                    LIMIT {MaxRowsPerLink.ToString(i)}
                    """).Rows;
                var index = farColumns.Select((c, k) => (c, k)).ToDictionary(x => x.c, x => x.k, StringComparer.OrdinalIgnoreCase);
                var namesGoroutines = GoroutineKey.All(index.ContainsKey);
                foreach (var row in rows)
                {
                    var target = namesGoroutines
                        ? new LinkedGoroutine(Convert.ToInt64(row[index["snapshot_id"]], i), (string)row[index["host"]]!, Convert.ToInt32(row[index["pid"]], i), Convert.ToInt64(row[index["goid"]], i))
                        : null;
                    // A link to the goroutine itself (a report over its own function) leads nowhere new.
                    if (target is { } t && t.Host == host && t.Pid == pid && t.Goid == goid) continue;
                    found.Add(new LinkedRow(link.Name, near.Table, far.Table, farColumns, row, target)
                    {
                        Detail = target is { } g ? GoroutineDetails.Of(store, g.SnapshotId, g.Goid, ProcessFilter.Of(host: g.Host, pid: g.Pid)) : null,
                    });
                }
            }
        }
        return found;
    }

    static HashSet<string> Columns(SnapshotStore store, string table) =>
        store.Query($"SELECT * FROM {ReportViews.Quote(table)} LIMIT 0").Columns.ToHashSet(StringComparer.OrdinalIgnoreCase);
}
