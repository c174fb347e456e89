using System.Globalization;
using SideEye.Snapshots.Selection;
using SideEye.Snapshots.Store;

namespace SideEye.Cli.Text;

/// <summary>Which process of a stored snapshot a command means (the snapshot itself: <see cref="SideEye.Snapshots.Analysis.SnapshotIds"/>).</summary>
static class StoredSnapshots
{
    /// <summary>The processes of a snapshot that <paramref name="filter"/> takes, with their errors (null when the capture succeeded), by host and pid.</summary>
    public static IReadOnlyList<(string Host, int Pid, string? Error)> Processes(SnapshotStore store, long snapshotId, ProcessFilter? filter = null) =>
        store.Query($"SELECT p.host, p.pid, p.error FROM processes p WHERE p.snapshot_id = {Sql(snapshotId)} AND {(filter ?? ProcessFilter.All).ToSql("p")} ORDER BY p.host, p.pid").Rows
            .Select(r => ((string)r[0]!, Convert.ToInt32(r[1], CultureInfo.InvariantCulture), r[2] as string)).ToArray();

    public static string NoSuchProcess(long snapshotId, int pid, IEnumerable<int> pids) =>
        $"snapshot {snapshotId} has no process {pid} (it has {(pids.Any() ? string.Join(", ", pids) : "none")})";

    /// <summary>"process 7" on one host, "process 7 on web-1" when the processes span several.</summary>
    public static string Name((string Host, int Pid, string? Error) process, bool severalHosts) =>
        severalHosts ? $"process {process.Pid} on {process.Host}" : $"process {process.Pid}";

    static string Sql(long n) => n.ToString(CultureInfo.InvariantCulture);

}
