using SideEye.Snapshots.Model;
using SideEye.Snapshots.Store;

namespace SideEye.Cli.Tests;

public class QueryCommandTests
{
    [Fact]
    public void PrintsCsvWithHeaderAndReportsBadSql()
    {
        var path = Path.Combine(Path.GetTempPath(), $"sideeye-query-{Guid.NewGuid():n}.duckdb");
        try
        {
            var frames = new[] { new StackFrame(0x401000, "main.work", "/src/main.go", 12, false) };
            var goroutines = new[]
            {
                new GoroutineRecord(1, "waiting", "chan receive", null, null, null, null, "main.main", frames, null),
                new GoroutineRecord(7, "waiting", "select, with \"quotes\"", null, null, 1, "main.main", "main.work", frames, null),
            };
            using (var store = SnapshotStore.Open(path))
                store.Append(new Snapshot(0, DateTimeOffset.UtcNow, null, [new ProcessSnapshot(42, "host", "/bin/app", "go1.26.10", 1000, 2000, false, null, goroutines)]));

            var r = CliRunner.Run("query", path, "SELECT goid, wait_reason FROM goroutines ORDER BY goid");
            Assert.Equal(0, r.ExitCode);
            Assert.Equal(["goid,wait_reason", "1,chan receive", "7,\"select, with \"\"quotes\"\"\""], r.StdoutLines);

            var bad = CliRunner.Run("query", path, "SELEC nothing");
            Assert.Equal(CliApp.ExitError, bad.ExitCode);
            var line = Assert.Single(bad.StderrLines);
            Assert.Contains(path, line);
            Assert.Contains("syntax error", line);
        }
        finally
        {
            File.Delete(path);
            File.Delete(path + ".wal");
        }
    }
}
