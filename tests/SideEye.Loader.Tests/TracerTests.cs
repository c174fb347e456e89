using SideEye.Loader.Ptrace;
using SideEye.Testing;

namespace SideEye.Loader.Tests;

public sealed class TracerTests
{
    [Fact]
    public void CallsFromAnotherThreadAreRefused()
    {
        Tracer? tracer = null;
        var t = new Thread(() => tracer = new Tracer());
        t.Start();
        t.Join();
        var error = Assert.Throws<InvalidOperationException>(() => tracer!.TryInterrupt(1));
        Assert.Contains("tracer thread", error.Message);
    }

    /// <summary>
    /// The backstop behind ProcessPause: when the OS thread that traces a process ends without detaching (as
    /// when our process is killed), the kernel releases the threads it had stopped with PTRACE_INTERRUPT.
    /// </summary>
    [Fact]
    [Trait("Category", "Privileged")]
    public void ThreadsStoppedByATracerThreadThatEndsRunAgain()
    {
        Requires.Root();
        using var target = new TargetProcess(GoFixture.Build("pausetarget", GoToolchains.Newest));
        target.WaitForBeatAfter(20);
        var stopped = 0;
        var tracerThread = new Thread(() =>
        {
            var tracer = new Tracer();
            var tids = Procfs.ThreadStates(target.Pid).Keys.ToArray();
            foreach (var tid in tids) Assert.Equal(0, tracer.TrySeize(tid, PtraceOptions.TraceClone));
            foreach (var tid in tids) Assert.Equal(0, tracer.TryInterrupt(tid));
            var deadline = PtraceNative.MonotonicNs() + 2_000_000_000L;
            while (stopped < tids.Length && tracer.TryWaitAny(deadline, out _, out var status, out _))
                if (status.Stopped) stopped++;
            Assert.All(Procfs.ThreadStates(target.Pid), s => Assert.Equal('t', s.Value));
            // returns without PTRACE_DETACH
        });
        tracerThread.Start();
        tracerThread.Join();
        Assert.True(stopped > 0);
        var states = Procfs.WaitUntilRunning(target.Pid);
        Assert.All(states, s => Assert.True(s.Value is 'R' or 'S' or 'D', $"thread {s.Key} is in state {s.Value}"));
        target.WaitForBeatAfter(target.LastBeat().Beat + 5);
    }
}
