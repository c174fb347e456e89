using SideEye.Snapshots.Analysis;
using SideEye.Snapshots.Collection;
using SideEye.Snapshots.Store;
using SideEye.Snapshots.Tests.Collection;
using SideEye.Testing;

namespace SideEye.Snapshots.Tests.Analysis;

/// <summary>
/// Stack groups and their diff on real snapshots of testdata/parked, whose idle goroutines (-n N) all wait in
/// main.idle on one line: a group of exactly N (a branch of N in the stack tree), and between a process with 10 and
/// one with 30, that group grew by 20.
/// </summary>
[Collection(PrivilegedSnapshotCollection.Name)]
[Trait("Category", "Privileged")]
public sealed class StackGroupsTests : IDisposable
{
    readonly string _file = Path.Combine(Path.GetTempPath(), $"sideeye-groups-{Guid.NewGuid():n}.duckdb");

    [Fact]
    public void Idle_goroutines_form_one_group_and_the_diff_sees_it_grow()
    {
        Requires.Root();
        var toolchain = GoToolchains.Newest;
        var started = System.Diagnostics.Stopwatch.StartNew();
        using var few = new ParkedProgram(toolchain, idle: 10, collectGarbage: true);
        using var many = new ParkedProgram(toolchain, idle: 30);
        using var snapshotter = new LocalSnapshotter();
        using var store = SnapshotStore.Open(_file);
        var first = store.Append(snapshotter.Take([few.Pid]));
        var second = store.Append(snapshotter.Take([many.Pid]));
        var elapsed = started.Elapsed;

        var before = StackGroups.Of(store, first);
        var after = StackGroups.Of(store, second);
        var idle = before.Single(g => g.Where?.Func == "main.idle");
        Assert.Equal(10, idle.Count);
        Assert.Equal(10, idle.Goids.Count);
        Assert.Equal(new Dictionary<string, int> { ["chan receive"] = 10 }, idle.States);
        Assert.Same(idle, before[0]); // the largest group comes first
        Assert.All(before, g => Assert.Equal(Enumerable.Repeat(few.Pid, g.Count), g.Pids));
        // -gc: the collection recorded when the idle ones began to wait, which was after the program started.
        Assert.True(idle.LongestWait is { } waited && waited > TimeSpan.Zero && waited < elapsed, $"{idle.LongestWait} waited, {elapsed} since the start");
        // Without a collection the runtime records no wait start: no duration is made up.
        Assert.Null(StackGroups.Of(store, second).Single(g => g.Key == idle.Key).LongestWait);
        Assert.Equal(30, after.Single(g => g.Key == idle.Key).Count);
        Assert.Equal(before.Sum(g => g.Count), store.Query($"SELECT count(*) FROM goroutines WHERE snapshot_id = {first}").Rows[0][0] is long n ? (int)n : -1);

        // Filtered by function: only groups with a frame in it.
        var filtered = StackGroups.Of(store, first, function: "main.idle");
        Assert.Equal([idle.Key], filtered.Select(g => g.Key));

        // The tree (flame graph) of the same snapshot: the root counts everyone, the idle ones pass through main.idle,
        // and no node has more goroutines below it than through it.
        var tree = StackTree.Of(before);
        Assert.Equal(before.Sum(g => g.Count), tree[0].Goroutines);
        Assert.Equal(10, tree.Where(n => n.Func == "main.idle").Sum(n => n.Goroutines));
        Assert.All(tree, n => Assert.True(tree.Where(c => c.ParentId == n.Id).Sum(c => c.Goroutines) <= n.Goroutines, n.Id));
        Assert.Equal(tree.Count, tree.Select(n => n.Id).Distinct().Count());

        var changes = StackGroupDiff.Between(before, after);
        var grew = changes.Single(c => c.Key == idle.Key);
        Assert.Equal((10, 30, "grew"), (grew.Before, grew.After, grew.Kind));
        Assert.Equal(grew, changes[0]);
    }

    public void Dispose()
    {
        File.Delete(_file);
        File.Delete(_file + ".wal");
    }
}
