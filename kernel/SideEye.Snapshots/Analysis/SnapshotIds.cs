using System.Globalization;
using SideEye.Snapshots.Store;

namespace SideEye.Snapshots.Analysis;

/// <summary>
/// Which stored snapshot a reader means, checked against the store, so a wrong id is one line that says what the
/// file holds: the one asked for, else the latest; and the one before a snapshot, what a diff compares it with.
/// </summary>
public static class SnapshotIds
{
    /// <summary>The snapshot asked for, or the latest one when none is.</summary>
    /// <exception cref="SideEyeException">The store holds no snapshot, or not that one.</exception>
    public static long Resolve(SnapshotStore store, long? snapshotId)
    {
        ArgumentNullException.ThrowIfNull(store);
        var range = store.Query("SELECT min(snapshot_id) AS first, max(snapshot_id) AS last, count(*) AS n FROM snapshots");
        if (Long(range[0, "n"]) == 0) throw new SideEyeException($"{store.Path}: holds no snapshot yet");
        if (snapshotId is not { } id) return Long(range[0, "last"]);
        if (Long(store.Query($"SELECT count(*) AS n FROM snapshots WHERE snapshot_id = {Sql(id)}")[0, "n"]) == 0)
            throw new SideEyeException($"{store.Path}: no snapshot {id} (it holds {Long(range[0, "n"])}, ids {Long(range[0, "first"])} to {Long(range[0, "last"])})");
        return id;
    }

    /// <summary>The snapshot taken just before <paramref name="snapshotId"/>.</summary>
    /// <exception cref="SideEyeException">There is none.</exception>
    public static long Before(SnapshotStore store, long snapshotId)
    {
        ArgumentNullException.ThrowIfNull(store);
        return store.Query($"SELECT max(snapshot_id) FROM snapshots WHERE snapshot_id < {Sql(snapshotId)}").Rows[0][0] is { } before
            ? Long(before)
            : throw new SideEyeException($"{store.Path}: no snapshot before {snapshotId} to compare it with");
    }

    static string Sql(long n) => n.ToString(CultureInfo.InvariantCulture);

    static long Long(object? value) => value is null ? 0 : Convert.ToInt64(value, CultureInfo.InvariantCulture);
}
