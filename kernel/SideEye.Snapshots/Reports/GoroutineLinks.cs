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
/// One goroutine of a snapshot led by a link to another: from the row of <paramref name="FromTable"/> that names
/// <paramref name="From"/> (at frame <paramref name="FromDepth"/> when that table keeps the frame's depth, as a
/// function's table and the built-in views do) to the goroutine the other end's row names.
/// </summary>
public sealed record LinkPair(string Link, string FromTable, string ToTable, LinkedGoroutine From, int? FromDepth, LinkedGoroutine To);

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

    /// <summary>
    /// Every pair of goroutines of one snapshot that the links join, both ways, for views over many goroutines at once
    /// (the stack groups): one query per link and direction, capped at <paramref name="limit"/> pairs each.
    /// </summary>
    public static IReadOnlyList<LinkPair> InSnapshot(SnapshotStore store, ReportSpec spec, long snapshotId, int limit = 10_000)
    {
        ArgumentNullException.ThrowIfNull(store);
        var applied = ReportViews.Apply(store, spec);
        var pairs = new List<LinkPair>();
        var i = CultureInfo.InvariantCulture;
        foreach (var link in applied.Links)
        {
            foreach (var (near, far) in new[] { (link.From, link.To), (link.To, link.From) })
            {
                var nearColumns = Columns(store, near.Table);
                var farColumns = Columns(store, far.Table);
                if (!GoroutineKey.All(nearColumns.Contains) || !GoroutineKey.All(farColumns.Contains)) continue;
                var join = string.Join(" AND ", near.Columns.Zip(far.Columns, (n, f) => $"n.{ReportViews.Quote(n)} = f.{ReportViews.Quote(f)}"));
                var depth = nearColumns.Contains("depth") ? "n.depth" : "NULL";
                var rows = store.Query($"""
                    SELECT DISTINCT n.host, n.pid, n.goid, {depth}, f.host, f.pid, f.goid
                    FROM {ReportViews.Quote(near.Table)} n JOIN {ReportViews.Quote(far.Table)} f ON {join} AND f.snapshot_id = n.snapshot_id
                    WHERE n.snapshot_id = {snapshotId.ToString(i)}
                    LIMIT {limit.ToString(i)}
                    """).Rows;
                foreach (var r in rows)
                {
                    var from = new LinkedGoroutine(snapshotId, (string)r[0]!, Convert.ToInt32(r[1], i), Convert.ToInt64(r[2], i));
                    var to = new LinkedGoroutine(snapshotId, (string)r[4]!, Convert.ToInt32(r[5], i), Convert.ToInt64(r[6], i));
                    if (from == to) continue;
                    pairs.Add(new LinkPair(link.Name, near.Table, far.Table, from, r[3] is null ? null : Convert.ToInt32(r[3], i), to));
                }
            }
        }
        return pairs;
    }

    static HashSet<string> Columns(SnapshotStore store, string table) =>
        store.Query($"SELECT * FROM {ReportViews.Quote(table)} LIMIT 0").Columns.ToHashSet(StringComparer.OrdinalIgnoreCase);
}
