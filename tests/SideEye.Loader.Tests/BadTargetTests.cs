using System.Diagnostics;
using SideEye.Loader.Pause;
using SideEye.Testing;

namespace SideEye.Loader.Tests;

[Trait("Category", "Privileged")]
public sealed class BadTargetTests
{
    static readonly TimeSpan Limit = TimeSpan.FromSeconds(1);

    static void AssertRejected(int pid, string reason)
    {
        var error = Assert.Throws<TargetProcessException>(() => ProcessPause.Pause(pid, Limit));
        Assert.Equal(pid, error.Pid);
        Assert.StartsWith($"process {pid}: ", error.Message);
        Assert.Contains(reason, error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void MissingProcess()
    {
        Requires.Root();
        var pid = 4_000_000;
        while (Directory.Exists($"/proc/{pid}")) pid--;
        AssertRejected(pid, "no such process");
    }

    [Fact]
    public void ZombieProcess()
    {
        Requires.Root();
        // sh starts a child that exits shortly after sh has become sleep, which never reaps it.
        using var parent = Process.Start(new ProcessStartInfo("/bin/sh", ["-c", "sleep 0.05 & echo $!; exec sleep 30"]) { RedirectStandardOutput = true })!;
        try
        {
            var zombie = int.Parse(parent.StandardOutput.ReadLine()!);
            var sw = Stopwatch.StartNew();
            while (Procfs.State(zombie) != 'Z' && sw.ElapsedMilliseconds < 5000) Thread.Sleep(5);
            Assert.Equal('Z', Procfs.State(zombie));
            AssertRejected(zombie, "has exited");
        }
        finally
        {
            parent.Kill();
            parent.WaitForExit();
        }
    }

    [Fact]
    public void OwnProcessAndOwnThread()
    {
        Requires.Root();
        AssertRejected(Environment.ProcessId, "SideEye's own process");
        var ownThread = Directory.EnumerateDirectories($"/proc/{Environment.ProcessId}/task")
            .Select(d => int.Parse(Path.GetFileName(d))).First(t => t != Environment.ProcessId);
        AssertRejected(ownThread, "a thread of SideEye's own process");
    }

    [Fact]
    public void NotAProcessId() => AssertRejected(0, "not a process id");
}
