using System.Globalization;
using SideEye.Snapshots.Store;

namespace SideEye.Snapshots.Analysis;

/// <summary>The captured values of a stored snapshot, in frame order, read back from the store's long table.</summary>
public static class FrameValues
{
    /// <param name="pid">Only this process; null: all.</param>
    /// <param name="goid">Only this goroutine; null: all.</param>
    public static IReadOnlyList<FrameValue> Of(SnapshotStore store, long snapshotId, int? pid = null, long? goid = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        var i = CultureInfo.InvariantCulture;
        var where = $"snapshot_id = {snapshotId.ToString(i)}"
            + (pid is { } p ? $" AND pid = {p.ToString(i)}" : "")
            + (goid is { } g ? $" AND goid = {g.ToString(i)}" : "");
        // rowid keeps the spec's order of expressions within a frame.
        var rows = store.Query($"SELECT pid, goid, depth, func, expr, type, CAST(value_json AS VARCHAR), unavailable FROM captured WHERE {where} ORDER BY pid, goid, depth, rowid");
        return rows.Rows.Select(r => new FrameValue(
            Convert.ToInt32(r[0], i), Convert.ToInt64(r[1], i), Convert.ToInt32(r[2], i),
            (string)r[3]!, (string)r[4]!, (string)r[5]!, r[6] as string, r[7] as string)).ToArray();
    }
}
