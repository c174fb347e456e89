using System.Globalization;
using SideEye.Snapshots.Selection;
using SideEye.Snapshots.Store;

namespace SideEye.Snapshots.Analysis;

/// <summary>The captured values of a stored snapshot, in frame order, read back from the store's long table.</summary>
public static class FrameValues
{
    /// <param name="processes">Only these processes; null: all.</param>
    /// <param name="goid">Only this goroutine; null: all.</param>
    public static IReadOnlyList<FrameValue> Of(SnapshotStore store, long snapshotId, ProcessFilter? processes = null, long? goid = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        var i = CultureInfo.InvariantCulture;
        var where = $"c.snapshot_id = {snapshotId.ToString(i)}"
            + (processes is { IsAll: false } ? $" AND {processes.ToSql("p")}" : "")
            + (goid is { } g ? $" AND c.goid = {g.ToString(i)}" : "");
        // rowid keeps the spec's order of expressions within a frame.
        var rows = store.Query($"""
            SELECT c.host, c.pid, c.goid, c.depth, c.func, c.expr, c.type, CAST(c.value_json AS VARCHAR), c.unavailable
            FROM captured c LEFT JOIN processes p ON p.snapshot_id = c.snapshot_id AND p.host = c.host AND p.pid = c.pid
            WHERE {where} ORDER BY c.host, c.pid, c.goid, c.depth, c.rowid
            """);
        return rows.Rows.Select(r => new FrameValue(
            (string)r[0]!, Convert.ToInt32(r[1], i), Convert.ToInt64(r[2], i), Convert.ToInt32(r[3], i),
            (string)r[4]!, (string)r[5]!, (string)r[6]!, r[7] as string, r[8] as string)).ToArray();
    }
}
