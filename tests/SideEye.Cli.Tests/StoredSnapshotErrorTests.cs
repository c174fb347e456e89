using SideEye.Snapshots.Model;
using SideEye.Snapshots.Store;

namespace SideEye.Cli.Tests;

/// <summary>
/// sideeye stacks and diff on a wrong file, snapshot, process or number: one line saying what the file holds,
/// exit 1; what the parser rejects (not a number, a missing option) exits 2.
/// </summary>
public sealed class StoredSnapshotErrorTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("sideeye-stored-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>A store with snapshots 1 and 2 of process 42.</summary>
    string StoreWithTwoSnapshots()
    {
        var path = Path.Combine(_dir, "two.duckdb");
        var frames = new[] { new StackFrame(0x401000, "main.work", "/src/main.go", 12, false) };
        var goroutine = new GoroutineRecord(1, "waiting", "chan receive", null, null, null, null, "main.main", frames, null);
        using var store = SnapshotStore.Open(path);
        for (var i = 0; i < 2; i++)
            store.Append(new Snapshot(0, DateTimeOffset.UtcNow, null, [new ProcessSnapshot(42, "host", "/bin/app", "go1.26.0", 1000, 2000, false, null, [goroutine])]));
        return path;
    }

    static void AssertOneLine(CliRunner.Result r, int exitCode, params string[] parts)
    {
        Assert.True(r.ExitCode == exitCode, $"exit {r.ExitCode}: {r.Stdout}{r.Stderr}");
        var line = Assert.Single(r.StderrLines);
        Assert.StartsWith("sideeye: ", line);
        foreach (var part in parts) Assert.Contains(part, line);
        Assert.Empty(r.Stdout);
    }

    [Fact]
    public void MissingFile()
    {
        var path = Path.Combine(_dir, "nope.duckdb");
        AssertOneLine(CliRunner.Run("stacks", path), CliApp.ExitError, $"sideeye: {path}: no such file");
        AssertOneLine(CliRunner.Run("diff", path, "--before", "1", "--after", "2"), CliApp.ExitError, $"sideeye: {path}: no such file");
        Assert.False(File.Exists(path), "a read-only command created the store");
    }

    [Fact]
    public void EmptyStore()
    {
        var path = Path.Combine(_dir, "empty.duckdb");
        using (SnapshotStore.Open(path)) { }
        AssertOneLine(CliRunner.Run("stacks", path), CliApp.ExitError, $"sideeye: {path}: holds no snapshot yet");
        AssertOneLine(CliRunner.Run("diff", path, "--before", "1", "--after", "2"), CliApp.ExitError, $"sideeye: {path}: holds no snapshot yet");
    }

    [Fact]
    public void NoSuchSnapshotOrProcess()
    {
        var path = StoreWithTwoSnapshots();
        AssertOneLine(CliRunner.Run("stacks", path, "--snapshot", "7"), CliApp.ExitError, $"sideeye: {path}: no snapshot 7 (it holds 2, ids 1 to 2)");
        AssertOneLine(CliRunner.Run("diff", path, "--before", "1", "--after", "3"), CliApp.ExitError, $"sideeye: {path}: no snapshot 3 (it holds 2, ids 1 to 2)");
        AssertOneLine(CliRunner.Run("stacks", path, "--pid", "43"), CliApp.ExitError, "sideeye: snapshot 2 has no process 43 (it has 42)");
        AssertOneLine(CliRunner.Run("diff", path, "--before", "1", "--after", "2", "--pid", "43"), CliApp.ExitError, "sideeye: snapshots 1 and 2 have no process 43 (they have 42)");
    }

    [Fact]
    public void BadNumbersAndUsage()
    {
        var path = StoreWithTwoSnapshots();
        AssertOneLine(CliRunner.Run("stacks", path, "--top", "0"), CliApp.ExitError, "sideeye: --top must be positive, not 0");
        AssertOneLine(CliRunner.Run("stacks", path, "--top", "-3"), CliApp.ExitError, "--top must be positive, not -3");
        foreach (var args in new[]
        {
            new[] { "stacks", path, "--snapshot", "latest" },
            ["stacks", path, "--pid", "4x"],
            ["stacks"],
            ["diff", path, "--before", "1"],
            ["diff", path, "--before", "one", "--after", "2"],
            ["targets", "--pid", "1"],
        })
        {
            var r = CliRunner.Run(args);
            Assert.True(r.ExitCode == CliApp.ExitUsage, $"{string.Join(' ', args)}: exit {r.ExitCode}: {r.Stderr}");
            Assert.All(r.StderrLines, l => Assert.StartsWith("sideeye: ", l));
            Assert.Empty(r.Stdout);
        }
    }
}

/// <summary>sideeye stacks and diff over a fleet snapshot: the same pid on two hosts, narrowed with --where.</summary>
public sealed class FleetStacksTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("sideeye-fleet-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    string Store()
    {
        var path = Path.Combine(_dir, "fleet.duckdb");
        var frames = new[] { new StackFrame(0x401000, "main.work", "/src/main.go", 12, false) };
        ProcessSnapshot On(string host, int goroutines) => new(42, host + ".corp", "/bin/app", "go1.26.0", 1000, 2000, false, null,
            [.. Enumerable.Range(1, goroutines).Select(i => new GoroutineRecord(i, "waiting", "chan receive", null, null, null, null, "main.main", frames, null))])
        { Host = host, Labels = new Dictionary<string, string> { ["zone"] = host == "a" ? "east" : "west" } };
        using var store = SnapshotStore.Open(path);
        store.Append(new Snapshot(0, DateTimeOffset.UtcNow, null, [On("a", 2), On("b", 3)]));
        store.Append(new Snapshot(0, DateTimeOffset.UtcNow, null, [On("a", 2), On("b", 7)]));
        return path;
    }

    [Fact]
    public void StacksCountsProcessesAndHostsAndWhereNarrows()
    {
        var path = Store();
        var all = CliRunner.Run("stacks", path);
        Assert.True(all.ExitCode == 0, all.Stderr);
        Assert.Contains("9 goroutines in 1 group", all.Stdout);
        Assert.Contains("in 2 processes on 2 hosts; goroutines 1 1 2 2 3", all.Stdout);

        var east = CliRunner.Run("stacks", path, "--where", "zone=east", "--where", "program=app");
        Assert.True(east.ExitCode == 0, east.Stderr);
        Assert.Contains("snapshot 2 where zone=east program=app in", east.Stdout);
        Assert.Contains("2 goroutines in 1 group", east.Stdout);
        Assert.DoesNotContain("processes on", east.Stdout);

        var diff = CliRunner.Run("diff", path, "--before", "1", "--after", "2", "--where", "host=b");
        Assert.True(diff.ExitCode == 0, diff.Stderr);
        Assert.Contains("grew", diff.Stdout);
        Assert.Contains("3 -> 7  main.work", diff.Stdout);
        var both = CliRunner.Run("diff", path, "--before", "1", "--after", "2");
        Assert.True(both.ExitCode == 0, both.Stderr);
        Assert.Contains("5 -> 9  in 2 processes on 2 hosts; main.work", both.Stdout);
        Assert.Contains("have the same stack groups", CliRunner.Run("diff", path, "--before", "1", "--after", "2", "--where", "host=a").Stdout);

        var bad = CliRunner.Run("stacks", path, "--where", "zone=~east");
        Assert.Equal(CliApp.ExitError, bad.ExitCode);
        Assert.Equal("sideeye: selector 'zone=~east': a regex match is written zone~REGEX (write KEY=VALUE, KEY!=VALUE, KEY~REGEX or KEY!~REGEX)", Assert.Single(bad.StderrLines));
    }
}
