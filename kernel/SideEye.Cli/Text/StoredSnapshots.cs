using System.Globalization;
using SideEye.Snapshots.Store;

namespace SideEye.Cli.Text;

/// <summary>Which process of a stored snapshot a command means (the snapshot itself: <see cref="SideEye.Snapshots.Analysis.SnapshotIds"/>).</summary>
static class StoredSnapshots
{
    /// <summary>The processes of a snapshot with their errors (null when the capture succeeded), by pid.</summary>
    public static IReadOnlyList<(int Pid, string? Error)> Processes(SnapshotStore store, long snapshotId) =>
        store.Query($"SELECT pid, error FROM processes WHERE snapshot_id = {Sql(snapshotId)} ORDER BY pid").Rows
            .Select(r => (Convert.ToInt32(r[0], CultureInfo.InvariantCulture), r[1] as string)).ToArray();

    public static string NoSuchProcess(long snapshotId, int pid, IEnumerable<int> pids) =>
        $"snapshot {snapshotId} has no process {pid} (it has {(pids.Any() ? string.Join(", ", pids) : "none")})";

    static string Sql(long n) => n.ToString(CultureInfo.InvariantCulture);

}
