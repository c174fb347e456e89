using SideEye.Snapshots.Collection;
using SideEye.Testing;

namespace SideEye.Snapshots.Tests.Collection;

/// <summary>
/// A process that dies while it is paused for a snapshot: its row says so in one line, the processes after it
/// in the same snapshot are taken as usual, and nothing of ours is left loaded.
/// </summary>
[Collection(PrivilegedSnapshotCollection.Name)]
[Trait("Category", "Privileged")]
public sealed class ExitDuringSnapshotTests
{
    [Fact]
    public void AProcessKilledWhilePausedIsAnErrorRowAndTheNextProcessIsUnaffected()
    {
        Requires.Root();
        var toolchain = GoToolchains.Newest;
        // 100,000 goroutines make the pause long enough (hundreds of ms) to kill the process inside it.
        using var doomed = new ParkedProgram(toolchain, idle: 100_000, timeout: TimeSpan.FromSeconds(120));
        using var survivor = new ParkedProgram(toolchain);
        var fdsBefore = KernelObjectLeakCheck.KernelObjectFds().Count;

        using (var snapshotter = new LocalSnapshotter { MaxPause = TimeSpan.FromSeconds(10) })
        {
            var killed = false;
            for (var attempt = 0; attempt < 5 && !killed; attempt++)
            {
                Model.Snapshot? snapshot = null;
                var take = new Thread(() => snapshot = snapshotter.Take([doomed.Pid, survivor.Pid]));
                take.Start();
                while (take.IsAlive && !killed)
                {
                    if (InTracingStop(doomed.Pid))
                    {
                        Kill(doomed.Pid);
                        killed = true;
                    }
                    else Thread.Sleep(1);
                }
                take.Join();
                if (!killed) continue; // the pause was over before we saw it: try again
                var dead = snapshot!.Processes.Single(p => p.Pid == doomed.Pid);
                Assert.NotNull(dead.Error);
                Assert.DoesNotContain('\n', dead.Error);
                Assert.Contains("exit", dead.Error);
                Assert.Empty(dead.Goroutines);
                var alive = snapshot.Processes.Single(p => p.Pid == survivor.Pid);
                Assert.Null(alive.Error);
                Assert.Contains(alive.Goroutines, g => g.Frames.Any(f => f.Func == "main.withLabels.func1"));
            }
            Assert.True(killed, "never caught the 100,000-goroutine process in its pause in 5 snapshots");
            // The survivor's runner stays loaded for the next snapshot; the dead process's was unloaded.
            Assert.Null(snapshotter.Take([survivor.Pid]).Processes[0].Error);
        }
        Assert.Equal(fdsBefore, KernelObjectLeakCheck.KernelObjectFds().Count);
        Assert.All(Directory.GetDirectories($"/proc/{survivor.Pid}/task"), task =>
            Assert.DoesNotMatch(@"State:\s+[tT]", File.ReadLines(Path.Combine(task, "status")).First(l => l.StartsWith("State:", StringComparison.Ordinal))));
    }

    static bool InTracingStop(int pid)
    {
        try
        {
            return Directory.GetDirectories($"/proc/{pid}/task").Any(task =>
                File.ReadLines(Path.Combine(task, "status")).First(l => l.StartsWith("State:", StringComparison.Ordinal)).Contains("tracing stop"));
        }
        catch (IOException) { return false; }
    }

    static void Kill(int pid) => System.Diagnostics.Process.GetProcessById(pid).Kill();
}
