using SideEye.Snapshots.Model;
using SideEye.Snapshots.Store;

namespace SideEye.Cli.Tests;

/// <summary>
/// The snapshot summary's group lines, on a snapshot whose wait stamps the test sets: groups are read back from the
/// store, a group with several states lists each, and the longest wait is the oldest stamp's age at the given clock.
/// </summary>
public sealed class SnapshotSummaryTests : IDisposable
{
    readonly string _store = Path.Combine(Path.GetTempPath(), $"sideeye-summary-{Guid.NewGuid():n}.duckdb");

    public void Dispose()
    {
        File.Delete(_store);
        File.Delete(_store + ".wal");
    }

    [Fact]
    public void GroupLinesShowStatesWhereAndTheLongestWait()
    {
        const long taken = 1_000_000_000_000; // CLOCK_MONOTONIC at the snapshot: 1000 s after boot
        var process = new[] { new StackFrame(0x401000, "runtime.gopark", "/go/src/runtime/proc.go", 400, false), new StackFrame(0x402000, "main.process", "/src/main.go", 39, false) };
        var loop = new[] { new StackFrame(0x401000, "runtime.gopark", "/go/src/runtime/proc.go", 400, false), new StackFrame(0x403000, "runtime.selectgo", "/go/src/runtime/select.go", 351, false), new StackFrame(0x404000, "main.loop", "/src/main.go", 50, false) };
        GoroutineRecord G(long goid, string status, string? reason, long? waitSince, StackFrame[] frames) =>
            new(goid, status, reason, waitSince, null, 1, "main.main", "main.worker", frames, null);
        var snapshot = new Snapshot(0, DateTimeOffset.UnixEpoch, null,
        [
            new ProcessSnapshot(42, "host", "/bin/demo", "go1.26.0", 1000, 2000, false, null, MonotonicNs: taken, Goroutines:
            [
                G(7, "waiting", "chan receive", taken - 30_000_000_000, process),
                G(8, "waiting", "chan receive", taken - 90_500_000_000, process),
                G(9, "running", null, null, process),
                G(10, "waiting", "select", null, loop),
            ]),
        ]);
        var text = new StringWriter { NewLine = "\n" };
        using (var store = SnapshotStore.Open(_store))
            Commands.SnapshotCommand.WriteSummary(text, store, snapshot with { SnapshotId = store.Append(snapshot) });
        var lines = text.ToString().Split('\n');
        var at = Array.IndexOf(lines, "  largest groups of identical stacks (2 of 2):");
        Assert.True(at > 0, text.ToString());
        Assert.Equal(
        [
            "        3  [2 chan receive, 1 running] main.process /src/main.go:39, longest wait 1m30s",
            "        1  [select] main.loop /src/main.go:50",
        ], lines[(at + 1)..(at + 3)]);
    }
}
