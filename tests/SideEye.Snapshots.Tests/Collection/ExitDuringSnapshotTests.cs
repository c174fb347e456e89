using SideEye.Snapshots.Collection;
using SideEye.Testing;

namespace SideEye.Snapshots.Tests.Collection;

/// <summary>Processes that die during a snapshot: their rows say so in one line, the others are taken as usual, nothing of ours stays loaded.</summary>
[Collection(PrivilegedSnapshotCollection.Name)]
[Trait("Category", "Privileged")]
public sealed class ExitDuringSnapshotTests
{
    /// <summary>
    /// Three processes in one snapshot; while the first (100,000 goroutines, a long pause) is paused, it and the
    /// second are killed. The second, whose turn comes later, is a clean one-line error; the first is either an
    /// error saying it exited or, when the kill landed after the probe had run (SIGKILL does not interrupt a
    /// running BPF program), a complete snapshot; the third is taken as usual.
    /// </summary>
    [Fact]
    public void ProcessesKilledDuringASnapshotAreErrorRowsAndTheOthersAreUnaffected()
    {
        Requires.Root();
        var toolchain = GoToolchains.Newest;
        var fdsBefore = KernelObjectLeakCheck.KernelObjectFds().Count;
        using var survivor = new ParkedProgram(toolchain);
        var killed = false;
        for (var attempt = 0; attempt < 5 && !killed; attempt++)
        {
            using var doomed = new ParkedProgram(toolchain, idle: 100_000, timeout: TimeSpan.FromSeconds(120));
            using var victim = new ParkedProgram(toolchain);
            using var snapshotter = new LocalSnapshotter { MaxPause = TimeSpan.FromSeconds(10) };
            Model.Snapshot? snapshot = null;
            var take = new Thread(() => snapshot = snapshotter.Take([doomed.Pid, victim.Pid, survivor.Pid]));
            take.Start();
            while (take.IsAlive && !killed)
            {
                if (InTracingStop(doomed.Pid))
                {
                    Kill(victim.Pid);
                    Kill(doomed.Pid);
                    killed = true;
                }
                else Thread.Sleep(1);
            }
            take.Join();
            if (!killed) continue; // the pause was over before we saw it: try again

            var gone = snapshot!.Processes.Single(p => p.Pid == victim.Pid);
            Assert.NotNull(gone.Error);
            Assert.DoesNotContain('\n', gone.Error);
            Assert.Matches("no such process|exited", gone.Error);
            Assert.Empty(gone.Goroutines);

            var dead = snapshot.Processes.Single(p => p.Pid == doomed.Pid);
            if (dead.Error is not null)
            {
                Assert.DoesNotContain('\n', dead.Error);
                Assert.Contains("exit", dead.Error);
                Assert.Empty(dead.Goroutines);
            }
            else Assert.True(dead.Goroutines.Count > 100_000, $"{dead.Goroutines.Count} goroutines in a snapshot that reports no error");

            var alive = snapshot.Processes.Single(p => p.Pid == survivor.Pid);
            Assert.Null(alive.Error);
            Assert.Contains(alive.Goroutines, g => g.Frames.Any(f => f.Func == "main.withLabels.func1"));
            // The survivor's runner is still loaded and works.
            Assert.Null(snapshotter.Take([survivor.Pid]).Processes[0].Error);
        }
        Assert.True(killed, "never caught the 100,000-goroutine process in its pause in 5 snapshots");
        Assert.Equal(fdsBefore, KernelObjectLeakCheck.KernelObjectFds().Count);
        Assert.Empty(Procfs.StoppedThreads(survivor.Pid));
    }

    /// <summary>Paused: every thread in a tracing stop but the one running the probe (a single stopped thread is the trigger thread being released after the pause).</summary>
    static bool InTracingStop(int pid)
    {
        try
        {
            var states = Directory.GetDirectories($"/proc/{pid}/task")
                .Select(task => File.ReadLines(Path.Combine(task, "status")).First(l => l.StartsWith("State:", StringComparison.Ordinal)))
                .ToList();
            var stopped = states.Count(s => s.Contains("tracing stop"));
            return states.Count >= 3 && stopped >= states.Count - 1;
        }
        catch (IOException) { return false; }
    }

    static void Kill(int pid) => System.Diagnostics.Process.GetProcessById(pid).Kill();
}
