using System.Globalization;
using SideEye.Snapshots.Selection;
using SideEye.Snapshots.Store;

namespace SideEye.Snapshots.Analysis;

/// <summary>Reads one goroutine of a stored snapshot with its frames and captured values.</summary>
public static class GoroutineDetails
{
    /// <summary>
    /// The first goroutine (lowest id, so usually the oldest) whose stack passes through a function whose name
    /// contains <paramref name="function"/>: "show me one of them" without looking an id up first.
    /// </summary>
    /// <param name="processes">Only in these processes; null: any.</param>
    public static GoroutineDetail? Through(SnapshotStore store, long snapshotId, string function, ProcessFilter? processes = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(function);
        var i = CultureInfo.InvariantCulture;
        var inProcesses = processes is { IsAll: false } ? $" AND {processes.ToSql("p")}" : "";
        var quoted = "'" + function.Replace("'", "''", StringComparison.Ordinal) + "'";
        var rows = store.Query($"""
            SELECT f.host, f.pid, f.goid FROM frames f
            LEFT JOIN processes p ON p.snapshot_id = f.snapshot_id AND p.host = f.host AND p.pid = f.pid
            WHERE f.snapshot_id = {snapshotId.ToString(i)} AND contains(f.func, {quoted}){inProcesses}
            ORDER BY f.goid, f.host, f.pid LIMIT 1
            """).Rows;
        return rows.Count == 0 ? null
            : Of(store, snapshotId, Convert.ToInt64(rows[0][2], i), new ProcessFilter((string)rows[0][0]!, Convert.ToInt32(rows[0][1], i)));
    }

    /// <param name="processes">The goroutine's process (host and pid), or selectors that leave one process with that
    /// goid; may be left out when only one process of the snapshot has it.</param>
    /// <returns>The goroutine, or null when the snapshot has none with that id (in those processes).</returns>
    /// <exception cref="SideEyeException">Several processes have a goroutine with that id: the line names them and asks for host and pid.</exception>
    public static GoroutineDetail? Of(SnapshotStore store, long snapshotId, long goid, ProcessFilter? processes = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        var i = CultureInfo.InvariantCulture;
        var where = $"g.snapshot_id = {snapshotId.ToString(i)} AND g.goid = {goid.ToString(i)}" + (processes is { IsAll: false } ? $" AND {processes.ToSql("p")}" : "");
        var rows = store.Query($"""
            SELECT g.host, g.pid, coalesce(p.exe, ''), g.status, g.wait_reason, {Waits.WaitedNsSql},
                   g.thread_id, g.created_by_goid, g.created_by_func, g.start_func, g.labels, g.truncated, g.stack_id
            FROM goroutines g LEFT JOIN processes p ON p.snapshot_id = g.snapshot_id AND p.host = g.host AND p.pid = g.pid
            WHERE {where} ORDER BY g.host, g.pid
            """).Rows;
        if (rows.Count == 0) return null;
        if (rows.Count > 1)
        {
            var hosts = rows.Select(r => (string)r[0]!).Distinct(StringComparer.Ordinal).Count();
            var which = string.Join(", ", rows.Select(r => hosts > 1 ? $"{r[1]} on {r[0]}" : $"{r[1]}"));
            throw new SideEyeException($"goroutine {goid} is in processes {which} of snapshot {snapshotId}: say which with {(hosts > 1 ? "its host and pid" : "its pid")}");
        }
        var r = rows[0];
        var host = (string)r[0]!;
        var owner = Convert.ToInt32(r[1], i);
        var values = FrameValues.Of(store, snapshotId, new ProcessFilter(host, owner), goid).ToLookup(v => v.Depth);
        var frames = store.Query($"""
            SELECT depth, func, file, line, pc, inlined, shown FROM stacks
            WHERE snapshot_id = {snapshotId.ToString(i)} AND stack_id = {Convert.ToInt64(r[12], i).ToString(i)} ORDER BY depth
            """).Rows.Select(f =>
            {
                var depth = Convert.ToInt32(f[0], i);
                return new GoroutineFrame(depth, (string)f[1]!, (string)f[2]!, Convert.ToInt32(f[3], i), Convert.ToUInt64(f[4], i), (bool)f[5]!, values[depth].ToArray(), (bool)f[6]!);
            }).ToArray();
        return new GoroutineDetail(snapshotId, host, owner, (string)r[2]!, goid, (string)r[3]!, r[4] as string,
            r[5] is null ? null : Waits.FromNs(Convert.ToInt64(r[5], i)),
            r[6] is null ? null : Convert.ToInt32(r[6], i), r[7] is null ? null : Convert.ToInt64(r[7], i),
            r[8] as string, r[9] as string, r[10] as string, (bool)r[11]!, frames);
    }
}
