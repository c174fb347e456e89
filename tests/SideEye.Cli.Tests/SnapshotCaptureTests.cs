using SideEye.Snapshots.Model;
using SideEye.Snapshots.Store;
using SideEye.Testing;

namespace SideEye.Cli.Tests;

/// <summary>
/// sideeye snapshot --spec/--capture: what to capture is checked against each target's binary before anything is
/// paused or written, and a bad expression is one line with the resolver's reason.
/// </summary>
public sealed class SnapshotCaptureTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("sideeye-capture-").FullName;
    readonly LaunchedProgram _demo = LaunchedProgram.StartUntilReady(GoFixture.Build("demo", GoToolchains.Newest), [], TimeSpan.FromSeconds(60));

    public void Dispose()
    {
        _demo.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    string Store => Path.Combine(_dir, "snap.duckdb");

    /// <summary>Failed before the pause: one line, exit 1, nothing printed or stored, the target running.</summary>
    void AssertRefusedBeforeThePause(CliRunner.Result r, params string[] parts)
    {
        Assert.True(r.ExitCode == CliApp.ExitError, $"exit {r.ExitCode}: {r.Stdout}{r.Stderr}");
        var line = Assert.Single(r.StderrLines);
        Assert.StartsWith("sideeye: ", line);
        foreach (var part in parts) Assert.Contains(part, line);
        Assert.Empty(r.Stdout);
        Assert.False(File.Exists(Store), "the store was created: the command went past its checks");
        Assert.Empty(Procfs.StoppedThreads(_demo.Pid));
    }

    [Fact]
    public void ABadExpressionFailsWithTheResolversMessageBeforeAnyPause()
    {
        var r = CliRunner.Run("snapshot", "--pid", _demo.Pid.ToString(), "--out", Store, "--capture", "main.process=j.ID,j.Nmae");
        AssertRefusedBeforeThePause(r, $"sideeye: process {_demo.Pid} (demo): main.process: \"j.Nmae\": ", "did you mean Name?");
    }

    [Fact]
    public void AnUnknownFunctionAndSeveralProblemsAreOneLine()
    {
        var r = CliRunner.Run("snapshot", "--pid", _demo.Pid.ToString(), "--out", Store,
            "--capture", "main.proces=j", "--capture", "main.process=j.Nmae,len(j.ID)");
        AssertRefusedBeforeThePause(r, $"sideeye: process {_demo.Pid} (demo): ", "did you mean main.process?", "(and 2 more of 3 expressions that cannot be captured)");
    }

    [Fact]
    public void ASpecFileIsCheckedTooAndCombinesWithCapture()
    {
        var spec = Path.Combine(_dir, "spec.json");
        File.WriteAllText(spec, """
            { "version": 1, "programs": [ { "binary": "demo", "functions": [ { "function": "main.(*Cache).Put", "capture": ["c.itemz"] } ] } ] }
            """);
        var r = CliRunner.Run("snapshot", "--pid", _demo.Pid.ToString(), "--out", Store, "--spec", spec, "--capture", "main.process=j.Name");
        AssertRefusedBeforeThePause(r, $"sideeye: process {_demo.Pid} (demo): main.(*Cache).Put: \"c.itemz\": ", "did you mean items?");

        var missing = CliRunner.Run("snapshot", "--pid", _demo.Pid.ToString(), "--out", Store, "--spec", Path.Combine(_dir, "nope.json"));
        AssertRefusedBeforeThePause(missing, "nope.json: cannot read the spec");
    }

    [Fact]
    public void ABadCaptureArgumentIsOneLine()
    {
        var r = CliRunner.Run("snapshot", "--pid", _demo.Pid.ToString(), "--out", Store, "--capture", "main.process=len(j.Payload");
        AssertRefusedBeforeThePause(r, "sideeye: --capture 'main.process=len(j.Payload': ')' is missing at the end of \"len(j.Payload\"");
    }

    /// <summary>After the stacks, each function asked for: frames captured, its table, and how many values had none.</summary>
    [Fact]
    public void TheSummaryCountsCapturedFramesPerFunction()
    {
        var frames = new[] { new StackFrame(0x401000, "runtime.gopark", "/go/src/runtime/proc.go", 400, false), new StackFrame(0x402000, "main.process", "/src/main.go", 39, false) };
        GoroutineRecord G(long goid) => new(goid, "waiting", "chan send", null, null, 1, "main.main", "main.worker", frames, null);
        var process = new ProcessSnapshot(42, "host", "/bin/demo", "go1.26.0", 1000, 2000, false, null, [G(7), G(8)],
            Captures:
            [
                new CapturedValue(7, 1, "main.process", "j.Name", "string", "\"job-3\"", null),
                new CapturedValue(7, 1, "main.process", "j.ID", "int64", null, "not available at pc"),
                new CapturedValue(8, 1, "main.process", "j.Name", "string", "\"job-4\"", null),
                new CapturedValue(8, 1, "main.process", "j.ID", "int64", "4", null),
            ],
            Requested: [new("main.process", ["j.Name", "j.ID"]), new("main.(*Cache).Put", ["c.items"])]);
        var text = new StringWriter { NewLine = "\n" };
        IReadOnlyDictionary<string, string> tables;
        using (var store = SnapshotStore.Open(Store))
        {
            var snapshot = new Snapshot(0, DateTimeOffset.UnixEpoch, null, [process]);
            Commands.SnapshotCommand.WriteSummary(text, store, snapshot with { SnapshotId = store.Append(snapshot) });
            tables = store.CaptureTableNames();
        }
        var lines = text.ToString().Split('\n');
        var at = Array.IndexOf(lines, "  captured frames (table):");
        Assert.True(at > 0, text.ToString());
        // Table names are the store's: main.(*Cache).Put was asked for, so it has one, though no frame was captured.
        Assert.Equal([$"        2  main.process ({tables["main.process"]}), 1 of 4 values unavailable", $"        0  main.(*Cache).Put ({tables["main.(*Cache).Put"]})"], lines[(at + 1)..(at + 3)]);
    }

    [Fact]
    public void QueryReadsTheCaptureTables()
    {
        var frames = new[] { new StackFrame(0x401000, "runtime.gopark", "/go/src/runtime/proc.go", 400, false), new StackFrame(0x402000, "main.process", "/src/main.go", 39, false) };
        var goroutine = new GoroutineRecord(7, "waiting", "chan send", null, null, 1, "main.main", "main.worker", frames, null);
        var process = new ProcessSnapshot(42, "host", "/bin/demo", "go1.26.0", 1000, 2000, false, null, [goroutine],
            Captures: [new CapturedValue(7, 1, "main.process", "j.Name", "string", "\"job-3\"", null), new CapturedValue(7, 1, "main.process", "m[\"a,b\"]", "int", null, "optimized away")]);
        using (var store = SnapshotStore.Open(Store)) store.Append(new Snapshot(0, DateTimeOffset.UtcNow, null, [process]));

        var table = CliRunner.Run("query", Store, """SELECT goid, depth, "j.Name", "m[""a,b""]", "j.Name"->>'$' AS name FROM main_process""");
        Assert.True(table.ExitCode == 0, table.Stderr);
        Assert.Equal(["goid,depth,j.Name,\"m[\"\"a,b\"\"]\",name", "7,1,\"\"\"job-3\"\"\",,job-3"], table.StdoutLines);

        var joined = CliRunner.Run("query", Store, "SELECT f.func, c.expr, c.unavailable FROM captured c JOIN frames f USING (snapshot_id, pid, goid, depth) ORDER BY c.expr");
        Assert.Equal(["func,expr,unavailable", "main.process,j.Name,", "main.process,\"m[\"\"a,b\"\"]\",optimized away"], joined.StdoutLines);

        var names = CliRunner.Run("query", Store, "SELECT * FROM capture_tables");
        Assert.Equal(["func,table_name", "main.process,main_process"], names.StdoutLines);
    }
}
