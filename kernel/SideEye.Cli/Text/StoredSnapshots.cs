using System.Globalization;
using SideEye.Snapshots.Store;

namespace SideEye.Cli.Text;

/// <summary>Which stored snapshot and process a command means, checked against the store, so a wrong id is one line that says what the file holds.</summary>
static class StoredSnapshots
{
    /// <summary>The snapshot asked for, or the latest one when none is.</summary>
    public static long Resolve(SnapshotStore store, long? snapshotId)
    {
        var range = store.Query("SELECT min(snapshot_id) AS first, max(snapshot_id) AS last, count(*) AS n FROM snapshots");
        if (Long(range[0, "n"]) == 0) throw new SideEyeException($"{store.Path}: holds no snapshot yet");
        if (snapshotId is not { } id) return Long(range[0, "last"]);
        if (Long(store.Query($"SELECT count(*) AS n FROM snapshots WHERE snapshot_id = {Sql(id)}")[0, "n"]) == 0)
            throw new SideEyeException($"{store.Path}: no snapshot {id} (it holds {Long(range[0, "n"])}, ids {Long(range[0, "first"])} to {Long(range[0, "last"])})");
        return id;
    }

    /// <summary>The processes of a snapshot with their errors (null when the capture succeeded), by pid.</summary>
    public static IReadOnlyList<(int Pid, string? Error)> Processes(SnapshotStore store, long snapshotId) =>
        store.Query($"SELECT pid, error FROM processes WHERE snapshot_id = {Sql(snapshotId)} ORDER BY pid").Rows
            .Select(r => (Convert.ToInt32(r[0], CultureInfo.InvariantCulture), r[1] as string)).ToArray();

    public static string NoSuchProcess(long snapshotId, int pid, IEnumerable<int> pids) =>
        $"snapshot {snapshotId} has no process {pid} (it has {(pids.Any() ? string.Join(", ", pids) : "none")})";

    static string Sql(long n) => n.ToString(CultureInfo.InvariantCulture);

    static long Long(object? value) => value is null ? 0 : Convert.ToInt64(value, CultureInfo.InvariantCulture);
}
