using System.Diagnostics;
using SideEye.Snapshots.Store;
using SideEye.Testing;
using Xunit.Abstractions;

namespace SideEye.Cli.Tests;

/// <summary>
/// The sideeye process is SIGKILLed while its target is paused: no hook of ours runs, so it is up to the kernel to
/// let the target go. The target must run on, stay debuggable, and no half-written store may be left behind.
/// </summary>
[Collection(PrivilegedCliCollection.Name)]
[Trait("Category", "Privileged")]
public sealed class SnapshotKillTests(ITestOutputHelper output) : KernelObjectLeakCheck
{
    static readonly string Cli = Path.Combine(AppContext.BaseDirectory, "sideeye.dll");
    const int Attempts = 5;

    [Fact]
    public void SigkillWhileTheTargetIsPaused()
    {
        Requires.Root();
        // 100,000 goroutines keep the probe busy for a good part of a second, time enough to catch the pause.
        using var parked = new ParkedProgram(GoToolchains.Newest, idle: 100_000, timeout: TimeSpan.FromSeconds(120));
        var dir = Directory.CreateTempSubdirectory("sideeye-kill-").FullName;
        try
        {
            string? store = null;
            for (var attempt = 1; attempt <= Attempts && store is null; attempt++)
            {
                var candidate = Path.Combine(dir, $"attempt{attempt}.duckdb");
                if (KillDuringPause(parked.Pid, candidate, attempt)) store = candidate;
            }
            Assert.True(store is not null, $"the target was never seen in a tracing stop while sideeye ran, in {Attempts} attempts");

            // Let go by the kernel as the tracer died: no thread stays in a stop.
            var states = Procfs.WaitUntilRunning(parked.Pid, timeoutMs: 5000);
            Assert.True(states.Count > 0, $"parked {parked.Pid} is gone");
            Assert.All(states, s => Assert.True(s.Value is not ('t' or 'T'), $"thread {s.Key} is in state {s.Value} 5 s after sideeye was killed"));
            // Its spinners run again.
            var ticks = Procfs.CpuTicks(parked.Pid);
            var clock = Stopwatch.StartNew();
            while (Procfs.CpuTicks(parked.Pid) <= ticks + 10 && clock.Elapsed < TimeSpan.FromSeconds(10)) Thread.Sleep(20);
            Assert.True(Procfs.CpuTicks(parked.Pid) > ticks + 10, $"parked used no CPU after sideeye was killed (state {Procfs.State(parked.Pid)})");

            // sideeye writes the store only after every target is resumed, so a kill during the pause leaves no file.
            // Should the store be opened earlier some day, a file may exist, but it must open and hold no snapshot:
            // never a half-written one. Nothing else may appear next to it.
            var strays = Directory.GetFiles(dir).Where(f => f != store && f != store + ".wal").ToArray();
            Assert.True(strays.Length == 0, $"unexpected files: {string.Join(", ", strays)}");
            if (File.Exists(store))
            {
                using var db = SnapshotStore.OpenReadOnly(store);
                Assert.Equal(0L, Convert.ToInt64(db.Query("SELECT count(*) AS n FROM snapshots")[0, "n"]));
            }
            else
            {
                Assert.False(File.Exists(store + ".wal"), "a write-ahead log without its store");
            }

            // Still debuggable: no tracer is left attached, so a new snapshot pauses it again.
            var again = Path.Combine(dir, "again.duckdb");
            var r = CliRunner.Run("snapshot", "--pid", parked.Pid.ToString(), "--out", again, "--max-frames", "1024", "--max-pause-ms", "10000");
            Assert.True(r.ExitCode == 0, r.Stdout + r.Stderr);
            using (var db = SnapshotStore.OpenReadOnly(again))
                Assert.True(Convert.ToInt64(db.Query("SELECT count(*) AS n FROM goroutines")[0, "n"]) >= 100_000);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>
    /// Starts sideeye snapshot as a process of its own and SIGKILLs it as soon as the target is seen paused (its
    /// threads in a tracing stop). False if sideeye ended before that was seen (it was too quick for the polling).
    /// </summary>
    bool KillDuringPause(int pid, string store, int attempt)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { Cli, "snapshot", "--pid", pid.ToString(), "--out", store, "--max-frames", "1024", "--max-pause-ms", "10000" })
            psi.ArgumentList.Add(a);
        using var cli = Process.Start(psi)!;
        var stdout = cli.StandardOutput.ReadToEndAsync();
        var stderr = cli.StandardError.ReadToEndAsync();
        var clock = Stopwatch.StartNew();
        try
        {
            while (!cli.HasExited)
            {
                if (clock.Elapsed > TimeSpan.FromMinutes(2))
                    throw new Xunit.Sdk.XunitException($"attempt {attempt}: sideeye neither paused {pid} nor ended within 2 minutes");
                // Paused in full: every thread in a tracing stop but the one that may be running the probe in its
                // signal handler.
                var states = Procfs.ThreadStates(pid);
                var stopped = states.Where(s => s.Value == 't').Select(s => s.Key).ToArray();
                if (stopped.Length == 0 || stopped.Length < states.Count - 1) continue;
                cli.Kill(); // SIGKILL: no finally block, no exit hook of ours runs
                cli.WaitForExit();
                var running = states.Where(s => s.Value != 't').Select(s => $"{s.Key}:{s.Value}").ToArray();
                output.WriteLine($"attempt {attempt}: killed sideeye {cli.Id} with {stopped.Length} of {states.Count} threads of {pid} in a tracing stop" +
                                 (running.Length > 0 ? $" (not: {string.Join(", ", running)})" : ""));
                return true;
            }
            cli.WaitForExit();
            output.WriteLine($"attempt {attempt}: sideeye exited ({cli.ExitCode}) before a stop was seen: {stdout.Result}{stderr.Result}");
            File.Delete(store);
            File.Delete(store + ".wal");
            return false;
        }
        finally
        {
            if (!cli.HasExited)
            {
                cli.Kill();
                cli.WaitForExit();
            }
        }
    }
}
