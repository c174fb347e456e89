using System.Globalization;
using SideEye.Testing.Agents;

namespace SideEye.Notebooks.Tests;

/// <summary>Stored snapshots compared through the sideeye command itself (this project references no engine code).</summary>
static class StoreChecks
{
    /// <summary>
    /// The demo's workers (goroutines in main.worker, parked on their channel) in the store's latest snapshot are
    /// those a local root snapshot taken now finds: the same goroutine ids with the same frames, pc for pc.
    /// </summary>
    public static void SameWorkersAsLocal(string store, DemoService demo)
    {
        var local = Path.Combine(Path.GetDirectoryName(store)!, "local-root.duckdb");
        var (code, stdout, stderr) = SideEyeRun.Run(["snapshot", "--pid", demo.HostPid.ToString(CultureInfo.InvariantCulture), "--out", local]);
        Assert.True(code == 0, $"{stdout}\n{stderr}");
        const string workers = """
            SELECT goid, depth, pc, func, file, line, inlined, wrapper, shown FROM frames
            WHERE snapshot_id = (SELECT max(snapshot_id) FROM snapshots)
              AND goid IN (SELECT goid FROM frames WHERE func = 'main.worker' AND snapshot_id = (SELECT max(snapshot_id) FROM snapshots))
            ORDER BY goid, depth
            """;
        var remote = Query(store, workers);
        Assert.Equal(DemoService.Workers, remote.Skip(1).Select(l => l.Split(',')[0]).Distinct().Count());
        Assert.Equal(Query(local, workers), remote);
    }

    /// <summary>Lines of CSV (a header first) from <c>sideeye query</c>, as a user reads a store.</summary>
    internal static IReadOnlyList<string> Query(string store, string sql)
    {
        var (code, stdout, stderr) = SideEyeRun.Run(["query", store, sql]);
        Assert.True(code == 0, $"{stdout}\n{stderr}");
        return stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }
}
