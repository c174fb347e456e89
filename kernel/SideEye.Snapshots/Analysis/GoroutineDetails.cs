using System.Globalization;
using SideEye.Snapshots.Store;

namespace SideEye.Snapshots.Analysis;

/// <summary>Reads one goroutine of a stored snapshot with its frames and captured values.</summary>
public static class GoroutineDetails
{
    /// <summary>
    /// The first goroutine (lowest id, so usually the oldest) whose stack passes through a function whose name
    /// contains <paramref name="function"/>: "show me one of them" without looking an id up first.
    /// </summary>
    public static GoroutineDetail? Through(SnapshotStore store, long snapshotId, string function, int? pid = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(function);
        var i = CultureInfo.InvariantCulture;
        var inProcess = pid is { } p ? $" AND pid = {p.ToString(i)}" : "";
        var quoted = "'" + function.Replace("'", "''", StringComparison.Ordinal) + "'";
        var rows = store.Query($"SELECT pid, goid FROM frames WHERE snapshot_id = {snapshotId.ToString(i)} AND contains(func, {quoted}){inProcess} ORDER BY goid, pid LIMIT 1").Rows;
        return rows.Count == 0 ? null : Of(store, snapshotId, Convert.ToInt64(rows[0][1], i), Convert.ToInt32(rows[0][0], i));
    }

    /// <param name="pid">The goroutine's process; may be left out when only one process of the snapshot has that goid.</param>
    /// <returns>The goroutine, or null when the snapshot has none with that id (in that process).</returns>
    /// <exception cref="SideEyeException">Several processes of the snapshot have a goroutine with that id and no pid was given.</exception>
    public static GoroutineDetail? Of(SnapshotStore store, long snapshotId, long goid, int? pid = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        var i = CultureInfo.InvariantCulture;
        var where = $"g.snapshot_id = {snapshotId.ToString(i)} AND g.goid = {goid.ToString(i)}" + (pid is { } p ? $" AND g.pid = {p.ToString(i)}" : "");
        var rows = store.Query($"""
            SELECT g.pid, coalesce(p.exe, ''), g.status, g.wait_reason, {Waits.WaitedNsSql},
                   g.thread_id, g.created_by_goid, g.created_by_func, g.start_func, g.labels, g.truncated, g.stack_id
            FROM goroutines g LEFT JOIN processes p ON p.snapshot_id = g.snapshot_id AND p.pid = g.pid
            WHERE {where} ORDER BY g.pid
            """).Rows;
        if (rows.Count == 0) return null;
        if (rows.Count > 1)
            throw new SideEyeException($"goroutine {goid} is in processes {string.Join(", ", rows.Select(r => r[0]))} of snapshot {snapshotId}: say which with its pid");
        var r = rows[0];
        var owner = Convert.ToInt32(r[0], i);
        var values = FrameValues.Of(store, snapshotId, owner, goid).ToLookup(v => v.Depth);
        var frames = store.Query($"""
            SELECT depth, func, file, line, pc, inlined, shown FROM stacks
            WHERE snapshot_id = {snapshotId.ToString(i)} AND stack_id = {Convert.ToInt64(r[11], i).ToString(i)} ORDER BY depth
            """).Rows.Select(f =>
            {
                var depth = Convert.ToInt32(f[0], i);
                return new GoroutineFrame(depth, (string)f[1]!, (string)f[2]!, Convert.ToInt32(f[3], i), Convert.ToUInt64(f[4], i), (bool)f[5]!, values[depth].ToArray(), (bool)f[6]!);
            }).ToArray();
        return new GoroutineDetail(snapshotId, owner, (string)r[1]!, goid, (string)r[2]!, r[3] as string,
            r[4] is null ? null : Waits.FromNs(Convert.ToInt64(r[4], i)),
            r[5] is null ? null : Convert.ToInt32(r[5], i), r[6] is null ? null : Convert.ToInt64(r[6], i),
            r[7] as string, r[8] as string, r[9] as string, (bool)r[10]!, frames);
    }
}
