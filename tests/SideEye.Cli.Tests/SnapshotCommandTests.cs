using System.Text.RegularExpressions;
using SideEye.GoRuntime;
using SideEye.GoRuntime.Goroutines;
using SideEye.GoRuntime.Memory;
using SideEye.GoRuntime.Stacks;
using SideEye.Snapshots.Decoding;
using SideEye.Snapshots.Store;
using SideEye.Testing;
using Xunit.Abstractions;

namespace SideEye.Cli.Tests;

/// <summary>
/// sideeye snapshot end to end on a live program: ptrace pause, the generated BPF probe run by one thread in its
/// signal handler, decoding and the DuckDB store — against the reference reader, which other tests hold equal
/// to the program's own runtime.Stack dump.
/// </summary>
[Collection(PrivilegedCliCollection.Name)]
[Trait("Category", "Privileged")]
public class SnapshotCommandTests(ITestOutputHelper output) : KernelObjectLeakCheck
{
    [Theory]
    [MemberData(nameof(GoToolchains.Data), MemberType = typeof(GoToolchains))]
    public void SnapshotOfParkedProgramMatchesTheReference(string release)
    {
        Requires.Root();
        var toolchain = GoToolchains.Get(release);
        using var parked = new ParkedProgram(toolchain);
        var store = Path.Combine(Path.GetTempPath(), $"sideeye-snap-{Guid.NewGuid():n}.duckdb");
        try
        {
            var r = CliRunner.Run("snapshot", "--pid", parked.Pid.ToString(), "--out", store, "--max-frames", "1024", "--max-pause-ms", "5000");
            Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
            Assert.Contains(r.StdoutLines, l => l.StartsWith($"process {parked.Pid} (", StringComparison.Ordinal) && l.Contains(" goroutines, paused "));
            // Running again (its spinners keep it busy), not left in a ptrace stop.
            Assert.Empty(Procfs.StoppedThreads(parked.Pid));

            var bin = GoBinary.Open(GoFixture.Build("parked", toolchain));
            using var memory = ProcessMemoryReader.Open(parked.Pid);
            var unwinder = new PcspUnwinder(bin.Pclntab, memory);
            var decoder = new GoroutineDecoder(bin);
            // The goroutines the program parked itself hold still; the runtime's own ones (GC workers, …) and the
            // spinners may change between the snapshot and the reference read.
            var parkedGoids = parked.Parks.Where(p => p.Kind != "spin").Select(p => p.Goid).ToHashSet();
            var reference = new GoroutineReader(bin.Runtime, memory).ReadAll().Where(g => parkedGoids.Contains(g.Goid)).ToArray();

            using var db = SnapshotStore.OpenReadOnly(store);
            var process = db.Query("SELECT goroutines, pause_ns, probe_ns, truncated, error FROM processes");
            Assert.Equal(false, process[0, "truncated"]);
            Assert.Null(process[0, "error"]);
            Assert.True((long)process[0, "probe_ns"]! > 0 && (long)process[0, "pause_ns"]! > 0);
            var rows = db.Query("SELECT goid, status, wait_reason, created_by_func, start_func FROM goroutines").Rows.ToDictionary(row => (long)row[0]!);
            var frames = db.Query("SELECT goid, func, file, line, inlined FROM frames ORDER BY goid, depth").Rows
                .GroupBy(row => (long)row[0]!)
                .ToDictionary(g => g.Key, g => g.Select(row => $"{row[1]} {row[2]}:{row[3]}{((bool)row[4]! ? " (inlined)" : "")}").ToArray());

            Assert.True(reference.Length >= 15);
            foreach (var g in reference)
            {
                var isSyscall = bin.Runtime.Statuses.Describe(g.Status) == "syscall";
                var (pcs, _) = isSyscall ? unwinder.Unwind(g.SyscallPc, g.SyscallSp, g.StackLo, g.StackHi) : unwinder.Unwind(g.SchedPc, g.SchedSp, g.StackLo, g.StackHi);
                var expected = decoder.Decode(g, pcs, firstPcIsExact: false);
                Assert.True(rows.TryGetValue(g.Goid, out var row), $"goroutine {g.Goid} missing from the snapshot");
                Assert.Equal((g.Goid, expected.Status, expected.WaitReason, expected.CreatedByFunc, expected.StartFunc),
                             (g.Goid, (string)row[1]!, (string?)row[2], (string?)row[3], (string?)row[4]));
                Assert.Equal(expected.Frames.Select(f => $"{f.Func} {f.File}:{f.Line}{(f.Inlined ? " (inlined)" : "")}"), frames[g.Goid]);
            }
        }
        finally
        {
            File.Delete(store);
            File.Delete(store + ".wal");
        }
    }

    /// <summary>100,000 goroutines: every one arrives (the ring buffer is sized to the target), none truncated.</summary>
    [Fact]
    public void HundredThousandGoroutines()
    {
        Requires.Root();
        var toolchain = GoToolchains.Newest;
        using var parked = new ParkedProgram(toolchain, idle: 100_000, timeout: TimeSpan.FromSeconds(120));
        var store = Path.Combine(Path.GetTempPath(), $"sideeye-snap-{Guid.NewGuid():n}.duckdb");
        try
        {
            // A generous pause limit: the suite runs test assemblies in parallel on two cores.
            var r = CliRunner.Run("snapshot", "--pid", parked.Pid.ToString(), "--out", store, "--max-frames", "1024", "--max-pause-ms", "10000");
            Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
            var bin = GoBinary.Open(GoFixture.Build("parked", toolchain));
            using var memory = ProcessMemoryReader.Open(parked.Pid);
            var live = new GoroutineReader(bin.Runtime, memory).ReadAll();
            using var db = SnapshotStore.OpenReadOnly(store);
            var process = db.Query("SELECT goroutines, truncated FROM processes");
            Assert.Equal(false, process[0, "truncated"]);
            Assert.True(live.Count >= 100_000);
            // Goroutines other than the idle ones may come and go between the snapshot and this read.
            Assert.InRange((long)process[0, "goroutines"]!, live.Count - 10, live.Count + 10);
            var idle = db.Query("SELECT count(*) AS n FROM goroutines g WHERE wait_reason = 'chan receive' AND EXISTS (SELECT 1 FROM stacks s WHERE s.stack_id = g.stack_id AND s.func = 'main.idle')");
            Assert.Equal(100_000L, idle[0, "n"]);
        }
        finally
        {
            File.Delete(store);
            File.Delete(store + ".wal");
        }
    }

    /// <summary>The pause bound holds: a limit too short for the work resumes the target and reports why.</summary>
    [Fact]
    public void PauseLimitIsEnforcedAndReported()
    {
        Requires.Root();
        using var parked = new ParkedProgram(GoToolchains.Newest, idle: 100_000, timeout: TimeSpan.FromSeconds(120));
        var store = Path.Combine(Path.GetTempPath(), $"sideeye-snap-{Guid.NewGuid():n}.duckdb");
        try
        {
            var r = CliRunner.Run("snapshot", "--pid", parked.Pid.ToString(), "--out", store, "--max-pause-ms", "1");
            Assert.True(r.ExitCode == CliApp.ExitError, $"exit {r.ExitCode}: {r.Stdout}{r.Stderr}");
            Assert.Contains(r.StdoutLines, l => l.StartsWith($"process {parked.Pid}: error: ", StringComparison.Ordinal) && l.Contains("limit"));
            Assert.Empty(Procfs.StoppedThreads(parked.Pid));
        }
        finally
        {
            File.Delete(store);
            File.Delete(store + ".wal");
        }
    }

    /// <summary>
    /// The spinners (testdata/parked's main.spin calling main.spinLoop, on CPU) are stopped wherever they are: a
    /// spinner is running, its stack unwound from its thread's registers down through main.spin, or runnable if the
    /// scheduler had just preempted it. Across ten snapshots (each checked) at least one must be caught running.
    /// </summary>
    [Fact]
    public void SpinnersAreRunningWithTheirStacks()
    {
        Requires.Root();
        using var parked = new ParkedProgram(GoToolchains.Newest);
        var spinners = parked.Parks.Where(p => p.Kind == "spin").Select(p => p.Goid).ToArray();
        Assert.Equal(2, spinners.Length);
        var seenRunning = 0;
        for (var attempt = 0; attempt < 10; attempt++)
        {
            var store = Path.Combine(Path.GetTempPath(), $"sideeye-snap-{Guid.NewGuid():n}.duckdb");
            try
            {
                var r = CliRunner.Run("snapshot", "--pid", parked.Pid.ToString(), "--out", store, "--max-frames", "1024", "--max-pause-ms", "5000");
                Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
                using var db = SnapshotStore.OpenReadOnly(store);
                var statuses = db.Query("SELECT goid, status, thread_id FROM goroutines").Rows.ToDictionary(row => (long)row[0]!);
                var frames = db.Query("SELECT goid, func, file, shown FROM frames ORDER BY goid, depth").Rows
                    .GroupBy(row => (long)row[0]!)
                    .ToDictionary(g => g.Key, g => g.Select(row => ((string)row[1]!, (string)row[2]!, (bool)row[3]!)).ToArray());
                foreach (var goid in spinners)
                {
                    Assert.True(statuses.TryGetValue(goid, out var row), $"snapshot {attempt}: spinner {goid} is missing");
                    var status = (string)row[1]!;
                    var all = frames.GetValueOrDefault(goid) ?? [];
                    var stack = all.Where(f => f.Item3).ToArray();
                    var context = $"snapshot {attempt}: spinner {goid} [{status}, thread {row[2]}]: {string.Join(" < ", all.Select(f => f.Item3 ? f.Item1 : $"({f.Item1})"))}";
                    output.WriteLine(context);
                    Assert.True(status is "running" or "runnable", context);
                    // Stopped inside the runtime (its asynchronous preemption, a signal handler): the frame-pointer
                    // chain from there is the runtime's to tell; only a spinner stopped in its own loop is checked.
                    if (status != "running" || all.Length == 0 || all[0].Item1 != "main.spinLoop") continue;
                    // Stopped in its loop: main.spinLoop innermost, called from main.spin, both in parked's main.go.
                    Assert.True(stack.Length >= 2 && stack[0].Item1 == "main.spinLoop" && stack[1].Item1 == "main.spin", context);
                    Assert.All(stack[..2], f => Assert.EndsWith("testdata/parked/main.go", f.Item2));
                    Assert.True(row[2] is int tid && tid > 0, context);
                    seenRunning++;
                }
            }
            finally
            {
                File.Delete(store);
                File.Delete(store + ".wal");
            }
        }
        Assert.True(seenRunning > 0, "no spinner was running in 10 snapshots");
    }

    /// <summary>
    /// Captures that resolve (from a spec and from --capture, combined) pass the check and the snapshot is taken.
    /// What they capture is checked where the values are collected.
    /// </summary>
    [Fact]
    public void CapturesThatResolveDoNotStopTheSnapshot()
    {
        Requires.Root();
        using var demo = LaunchedProgram.StartUntilReady(GoFixture.Build("demo", GoToolchains.Newest), [], TimeSpan.FromSeconds(60));
        var dir = Directory.CreateTempSubdirectory("sideeye-snap-").FullName;
        try
        {
            var spec = Path.Combine(dir, "spec.json");
            File.WriteAllText(spec, """{ "programs": [ { "binary": "demo", "functions": [ { "function": "main.(*Cache).Put", "capture": ["c.items", "j.Name"] } ] } ] }""");
            var store = Path.Combine(dir, "snap.duckdb");
            var r = CliRunner.Run("snapshot", "-v", "--pid", demo.Pid.ToString(), "--out", store, "--max-pause-ms", "5000",
                "--spec", spec, "--capture", "main.process=j.ID,j.Name,len(j.Payload)", "--capture", "main.worker=id");
            Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
            // -v: how the probe was made, with the verifier's own count well inside its limit, and where the wait went.
            var verifier = Regex.Match(r.Stdout, @"probe made in \d+ ms, verified and attached in \d+ ms; verifier processed (\d+) insns \(([\d.]+)% of the limit (\d+)\)");
            Assert.True(verifier.Success, r.Stdout);
            Assert.InRange(long.Parse(verifier.Groups[1].Value), 100, long.Parse(verifier.Groups[3].Value) / 5);
            Assert.Matches(@"probe wait: -?\d+ µs to start, \d+ µs in the probe, -?\d+ µs to wake us", r.Stdout);
            Assert.Empty(Procfs.StoppedThreads(demo.Pid));
            using var db = SnapshotStore.OpenReadOnly(store);
            Assert.Equal(4L, db.Query("SELECT count(*) AS n FROM frames WHERE func = 'main.worker'")[0, "n"]);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void DeadProcessIsReportedPerProcess()
    {
        Requires.Root();
        var store = Path.Combine(Path.GetTempPath(), $"sideeye-snap-{Guid.NewGuid():n}.duckdb");
        try
        {
            var r = CliRunner.Run("snapshot", "--pid", "999999999", "--out", store);
            Assert.Equal(CliApp.ExitError, r.ExitCode);
            Assert.Contains(r.StdoutLines, l => l.StartsWith("process 999999999: error: ", StringComparison.Ordinal));
        }
        finally
        {
            File.Delete(store);
            File.Delete(store + ".wal");
        }
    }
}
