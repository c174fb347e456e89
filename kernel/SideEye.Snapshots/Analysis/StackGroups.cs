using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using SideEye.Snapshots.Selection;
using SideEye.Snapshots.Store;

namespace SideEye.Snapshots.Analysis;

/// <summary>
/// Goroutines grouped by identical stack, read from a store (a snapshot just taken or one reopened for a
/// postmortem alike), largest group first. Stacks compare by their text (function, file, line per frame), not by
/// the store's per-snapshot stack ids, so the same stack has the same <see cref="StackGroup.Key"/> in every snapshot.
/// Every stored frame is in a group's frames (captured values are at their depths); views show the ones runtime.Stack
/// shows (<see cref="StackGroupFrame.Visible"/>).
/// </summary>
public static class StackGroups
{
    /// <param name="processes">Only these processes of the snapshot; null: all of them.</param>
    /// <param name="function">Only stacks with a frame whose function contains this text; null: all.</param>
    public static IReadOnlyList<StackGroup> Of(SnapshotStore store, long snapshotId, ProcessFilter? processes = null, string? function = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        var where = processes is { IsAll: false } ? $" AND {processes.ToSql("p")}" : "";
        var id = snapshotId.ToString(CultureInfo.InvariantCulture);
        var rows = store.Query($"""
            WITH sig AS (
                SELECT stack_id, string_agg(func || chr(9) || file || chr(9) || line || chr(9) || CASE WHEN shown THEN 1 ELSE 0 END, chr(10) ORDER BY depth) AS signature
                FROM stacks WHERE snapshot_id = {id} GROUP BY stack_id)
            SELECT coalesce(sig.signature, '') AS signature, g.goid, coalesce(g.wait_reason, g.status) AS state, g.wait_since_ns, g.created_by_func,
                   g.pid, {Waits.WaitedNsSql} AS waited_ns, g.host
            FROM goroutines g LEFT JOIN sig ON sig.stack_id = g.stack_id
            LEFT JOIN processes p ON p.snapshot_id = g.snapshot_id AND p.host = g.host AND p.pid = g.pid
            WHERE g.snapshot_id = {id}{where}
            ORDER BY g.goid, g.host, g.pid
            """);
        var groups = new List<StackGroup>();
        foreach (var group in rows.Rows.GroupBy(r => (string)r[0]!, StringComparer.Ordinal))
        {
            var frames = Frames(group.Key);
            if (function is not null && !frames.Any(f => f.Func.Contains(function, StringComparison.Ordinal))) continue;
            var members = group.ToList();
            var waits = members.Select(r => r[3] is null ? (long?)null : Convert.ToInt64(r[3], CultureInfo.InvariantCulture)).Where(w => w > 0).ToList();
            groups.Add(new StackGroup(
                KeyOf(group.Key),
                frames,
                members.Count,
                members.GroupBy(r => (string)r[2]!).OrderByDescending(s => s.Count()).ToDictionary(s => s.Key, s => s.Count()),
                waits.Count == 0 ? null : waits.Min(),
                members.Select(r => r[4] as string).OfType<string>().Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray(),
                members.Select(r => Convert.ToInt64(r[1], CultureInfo.InvariantCulture)).ToArray(),
                members.Select(r => Convert.ToInt32(r[5], CultureInfo.InvariantCulture)).ToArray(),
                members.Select(r => (string)r[7]!).ToArray(),
                members.Select(r => r[6] is null ? (long?)null : Convert.ToInt64(r[6], CultureInfo.InvariantCulture)).Max() is { } waited ? Waits.FromNs(waited) : null));
        }
        return groups.OrderByDescending(g => g.Count).ThenBy(g => g.Where?.Func, StringComparer.Ordinal).ThenBy(g => g.Key, StringComparer.Ordinal).ToArray();
    }

    static StackGroupFrame[] Frames(string signature) =>
        signature.Length == 0 ? [] : signature.Split('\n').Select(line =>
        {
            var parts = line.Split('\t');
            return new StackGroupFrame(parts[0], parts.Length > 1 ? parts[1] : "", parts.Length > 2 && int.TryParse(parts[2], CultureInfo.InvariantCulture, out var n) ? n : 0,
                parts.Length <= 3 || parts[3] != "0");
        }).ToArray();

    /// <summary>A short stable name for a stack: the first 12 hex digits of its text's SHA-256.</summary>
    static string KeyOf(string signature) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(signature)))[..12];
}
