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

    /// <summary>
    /// Where each parked goroutine is "at" is the program's function that blocked (parked prints it), not the Go
    /// installation's code it blocked in: sync.Mutex, the netpoller, time.Sleep, syscall.Read, sync.Cond.
    /// </summary>
    [Theory]
    [MemberData(nameof(GoToolchains.Data), MemberType = typeof(GoToolchains))]
    public void Where_is_the_program_s_own_function_not_the_standard_library_s(string release)
    {
        Requires.Root();
        using var parked = new ParkedProgram(GoToolchains.Get(release));
        using var snapshotter = new LocalSnapshotter();
        using var store = SnapshotStore.Open(_file);
        var groups = StackGroups.Of(store, store.Append(snapshotter.Take([parked.Pid])));
        string[] blocked = ["chan-recv", "chan-send", "select", "mutex", "syscall", "rwmutex-rlock", "rwmutex-lock", "waitgroup", "cond", "sleep",
            "accept", "net-read", "closure", "method", "method-value", "labels", "recursion"];
        foreach (var park in parked.Parks.Where(p => blocked.Contains(p.Kind)))
        {
            var group = groups.Single(g => g.Goids.Contains(park.Goid));
            Assert.True(park.Func == group.Where?.Func, $"go{release} {park.Kind}: parked in {park.Func}, where says {group.Where}; frames:\n{string.Join('\n', group.Frames)}");
        }
        // The runtime's own goroutines have no frame outside the installation: they stay at their innermost non-runtime frame, or the innermost.
        Assert.All(groups.Where(g => g.Frames.All(f => f.Func.StartsWith("runtime.", StringComparison.Ordinal))), g => Assert.Equal(g.Frames[0], g.Where));
    }

    [Theory]
    [InlineData("/usr/lib/go/src/runtime/proc.go", "/usr/lib/go/src/sync/mutex.go", "/app/main.go", "main.put")]
    // -trimpath: no frame tells the installation's folder, so the innermost outside package runtime.
    [InlineData("runtime/proc.go", "sync/mutex.go", "example.com/app/main.go", "sync.(*Mutex).Lock")]
    // Only sync's frame tells it (the runtime one is in a subfolder).
    [InlineData("/usr/lib/go/src/runtime/internal/x.go", "/usr/lib/go/src/sync/mutex.go", "/app/main.go", "main.put")]
    public void Where_reads_the_installation_folder_off_the_frames(string runtimeFile, string syncFile, string appFile, string where)
    {
        StackGroupFrame[] frames = [new("runtime.gopark", runtimeFile, 1), new("sync.(*Mutex).Lock", syncFile, 2), new("main.put", appFile, 3)];
        Assert.Equal(where, StackGroupFrame.WhereIn(frames)?.Func);
    }

    [Fact]
    public void Where_passes_linknamed_runtime_hooks_and_keeps_dependencies()
    {
        // internal/poll.runtime_pollWait lives in runtime/netpoll.go: the runtime frame tells the folder it is in.
        StackGroupFrame[] accept = [new("runtime.gopark", "/g/src/runtime/proc.go", 1), new("internal/poll.runtime_pollWait", "/g/src/runtime/netpoll.go", 2),
            new("github.com/x/srv.(*S).accept", "/root/go/pkg/mod/github.com/x/srv@v1.0.0/s.go", 3), new("main.main", "/app/main.go", 4)];
        Assert.Equal("github.com/x/srv.(*S).accept", StackGroupFrame.WhereIn(accept)?.Func);
        Assert.Equal("main.spin", StackGroupFrame.WhereIn([new("main.spin", "/app/main.go", 1)])?.Func);
        Assert.Null(StackGroupFrame.WhereIn([]));
    }

    public void Dispose()
    {
        File.Delete(_file);
        File.Delete(_file + ".wal");
    }
}
