using System.Globalization;
using SideEye.Snapshots.Store;

namespace SideEye.Snapshots.Analysis;

/// <summary>One captured value that holds the text searched for: where it is (goroutine and frame) and the part around the match.</summary>
public sealed record ValueMatch(long SnapshotId, string Host, int Pid, long Goid, int Depth, string Function, string Expression, string Excerpt);

/// <summary>
/// Finds a text anywhere in a snapshot's captured values (every function's, through the long <c>captured</c> table),
/// case-insensitively, and names the goroutines and frames that hold it: the way to go from a request id seen in a log
/// to the goroutine serving it. Values are searched as the JSON they are stored as, so a string's text and a number's
/// digits both match.
/// </summary>
public static class ValueSearch
{
    /// <summary>How much of a value is shown on each side of the match.</summary>
    public const int ExcerptContext = 40;

    /// <param name="snapshotId">The snapshot to search; the latest when null.</param>
    /// <param name="limit">The most matches returned, first by process, goroutine and depth.</param>
    public static IReadOnlyList<ValueMatch> Find(SnapshotStore store, string text, long? snapshotId = null, int limit = 1000)
    {
        ArgumentNullException.ThrowIfNull(store);
        if (string.IsNullOrEmpty(text)) throw new SideEyeException("say what to search for: the text is empty");
        var id = SnapshotIds.Resolve(store, snapshotId);
        var needle = "'" + text.Replace("'", "''", StringComparison.Ordinal) + "'";
        var rows = store.Query($"""
            SELECT snapshot_id, host, pid, goid, depth, func, expr, value_json::VARCHAR
            FROM captured
            WHERE snapshot_id = {id.ToString(CultureInfo.InvariantCulture)} AND value_json IS NOT NULL AND contains(lower(value_json::VARCHAR), lower({needle}))
            ORDER BY host, pid, goid, depth, expr
            LIMIT {limit.ToString(CultureInfo.InvariantCulture)}
            """).Rows;
        return rows.Select(r => new ValueMatch(Convert.ToInt64(r[0], CultureInfo.InvariantCulture), (string)r[1]!, Convert.ToInt32(r[2], CultureInfo.InvariantCulture),
            Convert.ToInt64(r[3], CultureInfo.InvariantCulture), Convert.ToInt32(r[4], CultureInfo.InvariantCulture), (string)r[5]!, (string)r[6]!, Excerpt((string)r[7]!, text))).ToArray();
    }

    /// <summary>The match with up to <see cref="ExcerptContext"/> characters each side, "…" where the value goes on.</summary>
    static string Excerpt(string value, string text)
    {
        var at = value.IndexOf(text, StringComparison.OrdinalIgnoreCase);
        if (at < 0) return value.Length <= 2 * ExcerptContext ? value : value[..(2 * ExcerptContext)] + "…";
        var from = Math.Max(0, at - ExcerptContext);
        var to = Math.Min(value.Length, at + text.Length + ExcerptContext);
        return (from > 0 ? "…" : "") + value[from..to] + (to < value.Length ? "…" : "");
    }
}
