using SideEye.Snapshots.Model;
using SideEye.Snapshots.Store;

namespace SideEye.Cli.Tests;

/// <summary>sideeye search: a text anywhere in a snapshot's captured values names the goroutines and frames that hold it.</summary>
public sealed class SearchCommandTests : IDisposable
{
    readonly string _folder = Directory.CreateTempSubdirectory("sideeye-search-").FullName;
    string Store => Path.Combine(_folder, "s.duckdb");

    public SearchCommandTests()
    {
        var frames = new[] { new StackFrame(0x401000, "main.handle", "/src/main.go", 12, false), new StackFrame(0x402000, "main.serve", "/src/main.go", 30, false) };
        ProcessSnapshot Process(int pid, params (long Goid, string Request)[] work) =>
            new(pid, "h", "/bin/api", "go1.26.10", 1000, 2000, false, null,
                work.Select(w => new GoroutineRecord(w.Goid, "waiting", "chan receive", null, null, null, null, "main.serve", frames, null)).ToArray(),
                Captures: work.SelectMany(w => new[]
                {
                    new CapturedValue(w.Goid, 0, "main.handle", "req", "*main.request", $$"""{"ID":"{{w.Request}}","Path":"/api/items"}""", null),
                    new CapturedValue(w.Goid, 1, "main.serve", "id", "string", $"\"{w.Request}\"", null),
                }).ToArray());
        using var store = SnapshotStore.Open(Store);
        store.Append(new Snapshot(0, DateTimeOffset.UtcNow, null, [Process(7, (1, "req-OLD"))]));
        store.Append(new Snapshot(0, DateTimeOffset.UtcNow, null, [Process(7, (1, "req-a17"), (2, "req-b42")), Process(8, (5, "REQ-A17"))]));
    }

    [Fact]
    public void Names_every_goroutine_and_frame_holding_the_text_in_the_latest_snapshot()
    {
        var r = CliRunner.Run("search", Store, "req-A17");
        Assert.Equal(0, r.ExitCode);
        Assert.Equal(
        [
            "h\t7\tgoroutine 1\tframe 0\tmain.handle\treq\t{\"ID\":\"req-a17\",\"Path\":\"/api/items\"}",
            "h\t7\tgoroutine 1\tframe 1\tmain.serve\tid\t\"req-a17\"",
            "h\t8\tgoroutine 5\tframe 0\tmain.handle\treq\t{\"ID\":\"REQ-A17\",\"Path\":\"/api/items\"}",
            "h\t8\tgoroutine 5\tframe 1\tmain.serve\tid\t\"REQ-A17\"",
            "4 values in 2 goroutines",
        ], r.StdoutLines);
        // An older snapshot by id; and a text nobody holds is one line and exit 1.
        Assert.Contains("goroutine 1", CliRunner.Run("search", Store, "req-old", "--snapshot", "1").Stdout);
        var none = CliRunner.Run("search", Store, "req-old");
        Assert.Equal(CliApp.ExitError, none.ExitCode);
        Assert.Equal(["no captured value holds it"], none.StdoutLines);
        var missing = CliRunner.Run("search", Store, "x", "--snapshot", "9");
        Assert.Equal(CliApp.ExitError, missing.ExitCode);
        Assert.Contains("no snapshot 9 (it holds 2, ids 1 to 2)", Assert.Single(missing.StderrLines));
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
