using SideEye.Snapshots.Collection;
using SideEye.Snapshots.Store;
using SideEye.Testing;

namespace SideEye.Snapshots.Tests.GroundTruth;

/// <summary>
/// pprof labels read by the probe against the runtime's own account: Go 1.26 prints each goroutine's labels
/// in runtime.Stack's header with GODEBUG=tracebacklabels=1.
/// </summary>
[Collection(Collection.PrivilegedSnapshotCollection.Name)]
[Trait("Category", "Privileged")]
public sealed class LabelsTests
{
    [Fact]
    public void LabelsColumnEqualsTheDumpsLabels()
    {
        Requires.Root();
        var toolchain = GoToolchains.Newest;
        Assert.True(toolchain.Minor >= 26, "the newest toolchain prints labels in its dumps from Go 1.26");
        using var parked = new ParkedProgram(toolchain, environment: new Dictionary<string, string> { ["GODEBUG"] = "tracebacklabels=1" });
        var dump = GoroutineDump.ParseFile(parked.DumpPath);
        using var snapshotter = new LocalSnapshotter();
        var snapshot = snapshotter.Take([parked.Pid]);
        Assert.Null(snapshot.Processes[0].Error);
        using var store = SnapshotStore.Open(":memory:");
        store.Append(snapshot);
        var stored = store.Query("SELECT goid, labels FROM goroutines").Rows.ToDictionary(r => (long)r[0]!, r => (string?)r[1]);

        var labelled = dump.Where(g => g.Labels is { Count: > 0 }).ToList();
        Assert.NotEmpty(labelled);
        foreach (var g in labelled)
        {
            Assert.True(stored.TryGetValue(g.Goid, out var json) && json is not null, $"goroutine {g.Goid}: no labels stored");
            var labels = System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, string>>(json!)!;
            Assert.Equal(g.Labels!.OrderBy(kv => kv.Key, StringComparer.Ordinal), labels.OrderBy(kv => kv.Key, StringComparer.Ordinal));
        }
        // Goroutines the dump shows without labels have none in the snapshot either (those still alive).
        foreach (var g in dump.Where(g => g.Labels is null or { Count: 0 } && stored.ContainsKey(g.Goid)))
            Assert.Null(stored[g.Goid]);
    }
}
