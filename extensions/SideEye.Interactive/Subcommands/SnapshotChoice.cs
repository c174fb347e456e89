using System.Globalization;
using SideEye.Snapshots.Store;

namespace SideEye.Interactive.Subcommands;

/// <summary>Which snapshot of a store a subcommand means: the one asked for, which must exist, else the latest.</summary>
static class SnapshotChoice
{
    public static long Resolve(SnapshotStore store, long? asked)
    {
        if (asked is { } id)
        {
            return store.Query($"SELECT count(*) FROM snapshots WHERE snapshot_id = {id.ToString(CultureInfo.InvariantCulture)}").Rows[0][0] is long n && n > 0
                ? id : throw new SideEyeException($"{store.Path}: no snapshot {id}");
        }
        return store.Query("SELECT max(snapshot_id) FROM snapshots").Rows[0][0] is { } latest
            ? Convert.ToInt64(latest, CultureInfo.InvariantCulture)
            : throw new SideEyeException($"{store.Path}: holds no snapshot yet");
    }

    /// <summary>The snapshot taken just before <paramref name="id"/>: what a diff compares the latest with by default.</summary>
    public static long Before(SnapshotStore store, long id) =>
        store.Query($"SELECT max(snapshot_id) FROM snapshots WHERE snapshot_id < {id.ToString(CultureInfo.InvariantCulture)}").Rows[0][0] is { } before
            ? Convert.ToInt64(before, CultureInfo.InvariantCulture)
            : throw new SideEyeException($"{store.Path}: no snapshot before {id} to compare it with");
}
