using SideEye.Snapshots.Analysis;
using SideEye.Snapshots.Model;
using SideEye.Snapshots.Selection;
using SideEye.Snapshots.Store;

namespace SideEye.Snapshots.Tests.Analysis;

/// <summary>
/// A fleet snapshot: the same program on two hosts under the same pid, and an agent that failed. Groups count
/// goroutines, processes and hosts; selectors narrow every reader; a goroutine id found on both hosts asks for both.
/// </summary>
public sealed class FleetSnapshotTests
{
    static readonly StackFrame[] Parked = [new(0x1000, "runtime.gopark", "/go/src/runtime/proc.go", 400, false), new(0x2000, "main.handle", "/src/main.go", 20, false)];
    static readonly StackFrame[] Busy = [new(0x3000, "main.spin", "/src/main.go", 30, false)];

    static ProcessSnapshot Api(string host, string zone, int handlers) =>
        new(4000, host + ".corp", "/srv/api", "go1.25.3", 1, 1, false, null,
            [.. Enumerable.Range(1, handlers).Select(i => new GoroutineRecord(i, "waiting", "chan receive", null, null, 1, "main.main", "main.handle", Parked.ToArray(), null)),
             new GoroutineRecord(100, "running", null, null, 7, null, null, "main.spin", Busy.ToArray(), null)],
            Captures: [new CapturedValue(1, 1, "main.handle", "id", "int", handlers.ToString(System.Globalization.CultureInfo.InvariantCulture), null)],
            MonotonicNs: 1_000)
        {
            Host = host,
            Environment = "prod",
            Labels = new Dictionary<string, string> { ["zone"] = zone, ["az"] = "1" },
            ProbeAt = new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero).AddMilliseconds(handlers),
        };

    static Snapshot Fleet() => new(0, DateTimeOffset.UnixEpoch, "fleet",
    [
        Api("web-1", "east", 3),
        Api("web-2", "west", 2),
        new ProcessSnapshot(0, "web-3", "", "", 0, 0, false, "agent web-3: connection refused", []) { Host = "web-3", Environment = "prod" },
    ]);

    [Fact]
    public void TheStoreKeepsEachProcessWithItsHostAndLabels()
    {
        using var store = SnapshotStore.Open(":memory:");
        var id = store.Append(Fleet());
        Assert.Equal(
        [
            "web-1 4000 api prod {\"az\":\"1\",\"zone\":\"east\"} web-1.corp 2026-03-01 12:00:00.003+00",
            "web-2 4000 api prod {\"az\":\"1\",\"zone\":\"west\"} web-2.corp 2026-03-01 12:00:00.002+00",
            "web-3 0 NULL prod NULL web-3 NULL",
        ], store.Query($"SELECT host, pid, program, environment, labels, hostname, strftime(probe_at, '%Y-%m-%d %H:%M:%S.%g+00') FROM processes WHERE snapshot_id = {id} ORDER BY host")
            .Rows.Select(r => string.Join(' ', r.Select(v => v ?? "NULL"))));
        Assert.Equal(["web-1 4", "web-2 3"], store.Query("SELECT host, count(*) FROM goroutines GROUP BY ALL ORDER BY ALL").Rows.Select(r => string.Join(' ', r)));
        Assert.Equal(["web-1 3", "web-2 2"], store.Query("SELECT host, value_json FROM captured ORDER BY host").Rows.Select(r => string.Join(' ', r)));
        Assert.Equal(["web-1 3", "web-2 2"], store.Query("SELECT host, id FROM main_handle ORDER BY host").Rows.Select(r => string.Join(' ', r)));
        // Joins through host and pid pair each goroutine with its own process only.
        Assert.Equal(7L, Convert.ToInt64(store.Query("SELECT count(*) FROM goroutines g JOIN processes p USING (snapshot_id, host, pid)").Rows[0][0]));
    }

    [Fact]
    public void AGroupSaysHowManyProcessesOnHowManyHosts()
    {
        using var store = SnapshotStore.Open(":memory:");
        var id = store.Append(Fleet());
        var groups = StackGroups.Of(store, id);
        var handle = groups.Single(g => g.Where?.Func == "main.handle");
        Assert.Equal((5, 2, 2), (handle.Count, handle.Processes, handle.HostCount));
        Assert.Equal(["web-1", "web-2", "web-1", "web-2", "web-1"], handle.Hosts); // by goid, then host
        Assert.Equal([1L, 1L, 2L, 2L, 3L], handle.Goids);
        Assert.Equal((2, 2, 2), (groups.Single(g => g.Where?.Func == "main.spin").Count, groups.Single(g => g.Where?.Func == "main.spin").Processes, groups.Single(g => g.Where?.Func == "main.spin").HostCount));
        Assert.Equal(7, StackTree.Of(groups)[0].Goroutines);

        // Each value belongs to its own host's goroutine 1, though both have pid 4000.
        var values = GroupValues.Of(groups, FrameValues.Of(store, id))[handle.Key].Single();
        Assert.Equal(["2", "3"], values.Values.Select(v => v.Key).Order());
    }

    [Theory]
    [InlineData("host=web-2", 3, 1)]
    [InlineData("zone=east", 4, 1)]
    [InlineData("zone~^(east|west)$", 7, 2)]
    [InlineData("host!=web-2", 4, 1)]
    [InlineData("environment=staging", 0, 0)]
    public void WhereNarrowsEveryReader(string where, int goroutines, int hosts)
    {
        using var store = SnapshotStore.Open(":memory:");
        var id = store.Append(Fleet());
        var filter = ProcessFilter.Of(where: [where, "program=api"]);
        var groups = StackGroups.Of(store, id, filter);
        Assert.Equal(goroutines, groups.Sum(g => g.Count));
        Assert.Equal(hosts, groups.SelectMany(g => g.Hosts).Distinct().Count());
        Assert.Equal(hosts, FrameValues.Of(store, id, filter).Count);
        Assert.Equal(hosts == 0 ? null : 1L, GoroutineDetails.Through(store, id, "main.handle", filter)?.Goid);
    }

    [Fact]
    public void AGoidOnTwoHostsAsksForHostAndPid()
    {
        using var store = SnapshotStore.Open(":memory:");
        var id = store.Append(Fleet());
        var e = Assert.Throws<SideEyeException>(() => GoroutineDetails.Of(store, id, 1));
        Assert.Equal($"goroutine 1 is in processes 4000 on web-1, 4000 on web-2 of snapshot {id}: say which with its host and pid", e.Message);
        // The pid alone is still both of them.
        Assert.Throws<SideEyeException>(() => GoroutineDetails.Of(store, id, 1, new ProcessFilter(Pid: 4000)));

        var detail = GoroutineDetails.Of(store, id, 1, new ProcessFilter("web-2", 4000))!;
        Assert.Equal(("web-2", 4000, "/srv/api"), (detail.Host, detail.Pid, detail.Exe));
        Assert.Equal("2", detail.Frames[1].Values.Single().Json);
        Assert.Equal("web-1", GoroutineDetails.Of(store, id, 3, ProcessFilter.Of(where: ["zone=east"]))!.Host);
        Assert.Null(GoroutineDetails.Of(store, id, 3, ProcessFilter.Of(where: ["zone=west"])));
    }

    [Fact]
    public void DiffComparesTheSameProcessesInBothSnapshots()
    {
        using var store = SnapshotStore.Open(":memory:");
        var before = store.Append(Fleet());
        var grown = Fleet() with { Processes = [Api("web-1", "east", 3), Api("web-2", "west", 9)] };
        var after = store.Append(grown);
        var all = StackGroupDiff.Between(StackGroups.Of(store, before), StackGroups.Of(store, after)).Single();
        Assert.Equal((5, 12, 2, 2), (all.Before, all.After, all.Processes, all.HostCount));
        var east = ProcessFilter.Of(where: ["zone=east"]);
        Assert.Empty(StackGroupDiff.Between(StackGroups.Of(store, before, east), StackGroups.Of(store, after, east)));
    }

    [Fact]
    public void AProcessTwiceOnOneHostIsRefused()
    {
        using var store = SnapshotStore.Open(":memory:");
        var twice = Fleet() with { Processes = [Api("web-1", "east", 1), Api("web-1", "west", 2)] };
        var e = Assert.Throws<ArgumentException>(() => store.Append(twice));
        Assert.StartsWith("process 4000 on web-1 is in the snapshot 2 times", e.Message);
    }
}
