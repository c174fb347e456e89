using System.Diagnostics;
using SideEye.Loader.Pause;
using SideEye.Testing;
using Xunit.Abstractions;

namespace SideEye.Loader.Tests;

[Trait("Category", "Privileged")]
public sealed class ProcessPauseTests(ITestOutputHelper output)
{
    const int SIGURG = 23;
    static readonly TimeSpan Limit = TimeSpan.FromSeconds(5);

    static TargetProcess StartTarget(string release, string[] args)
    {
        var target = new TargetProcess(GoFixture.Build("pausetarget", release), args);
        try
        {
            target.WaitForBeatAfter(20);
            return target;
        }
        catch
        {
            target.Dispose();
            throw;
        }
    }

    internal static TargetProcess StartTarget(params string[] args) => StartTarget(GoToolchains.Newest.Release, args);

    static TargetProcess StartTarget(string release) => StartTarget(release, []);

    static void AssertAllTracingStop(int pid, ProcessPause pause)
    {
        var states = Procfs.ThreadStates(pid);
        Assert.All(states, s => Assert.True(s.Value == 't', $"thread {s.Key} is in state {s.Value}, not t (tracing stop)"));
        Assert.Equal(states.Keys.Order(), pause.Threads.Select(t => t.Tid));
    }

    internal static void AssertRunningAgain(TargetProcess target)
    {
        var states = Procfs.WaitUntilRunning(target.Pid);
        Assert.NotEmpty(states);
        Assert.All(states, s => Assert.True(s.Value is 'R' or 'S' or 'D', $"thread {s.Key} is in state {s.Value} after the resume"));
        var beat = target.LastBeat().Beat;
        target.WaitForBeatAfter(beat + 5);
    }

    void Report(string what, IReadOnlyList<ProcessPause> pauses)
    {
        static string Us(IEnumerable<long> ns) { var a = ns.Order().ToArray(); return $"min {a[0] / 1e3:F0} median {a[a.Length / 2] / 1e3:F0} max {a[^1] / 1e3:F0} µs"; }
        output.WriteLine($"{what}: {pauses.Count} pauses of {pauses[0].Threads.Count} threads; stop latency {Us(pauses.Select(p => p.StopLatencyNs))}; " +
            $"registers read by {Us(pauses.Select(p => p.EstablishedAtNs - p.PausedAtNs))}; resume began at {Us(pauses.Select(p => p.ResumeStartedAtNs - p.PausedAtNs))}; " +
            $"held {Us(pauses.Select(p => p.PauseDurationNs))}");
    }

    [Fact]
    public void PauseStopsEveryThreadAndTheHeartbeat()
    {
        Requires.Root();
        using var target = StartTarget([]);
        ProcessPause? pause = null;
        try
        {
            pause = ProcessPause.Pause(target.Pid, Limit);
            Assert.True(pause.Threads.Count >= 5, $"expected several threads, got {pause.Threads.Count}");
            AssertAllTracingStop(target.Pid, pause);

            var before = target.LastBeat().Beat;
            Thread.Sleep(50);
            Assert.Equal(before, target.LastBeat().Beat);

            // Registers: rip in an executable mapping (the binary's text or the vdso), rsp in a mapped stack.
            var maps = Procfs.Maps(target.Pid);
            foreach (var t in pause.Threads)
            {
                var code = maps.FirstOrDefault(m => m.Contains(t.Rip));
                Assert.True(code is not null && code.Perms.Contains('x'), $"{t}: rip is not in executable memory ({code})");
                Assert.True(code.Path.EndsWith("pausetarget", StringComparison.Ordinal) || code.Path == "[vdso]", $"{t}: rip in {code.Path}");
                var stack = maps.FirstOrDefault(m => m.Contains(t.Rsp - 1));
                Assert.True(stack is not null && stack.Perms.StartsWith("rw", StringComparison.Ordinal), $"{t}: rsp is not in writable memory ({stack})");
                output.WriteLine($"{t} rip in {code.Path}, rsp in {(stack.Path.Length == 0 ? "anonymous" : stack.Path)} mapping");
            }

            pause.Resume();
            Assert.False(pause.IsPaused);
            Assert.False(pause.ForceResumed);
            output.WriteLine(pause.ToString());
            AssertRunningAgain(target);
        }
        finally
        {
            pause?.Dispose();
        }
    }

    [Fact]
    public void HundredPausesInARowLeaveTheTargetRunning()
    {
        Requires.Root();
        using var target = StartTarget([]);
        var pauses = new List<ProcessPause>();
        for (var i = 0; i < 100; i++)
        {
            using var pause = ProcessPause.Pause(target.Pid, Limit);
            pauses.Add(pause);
            Assert.NotEmpty(pause.Threads);
        }
        Assert.All(pauses, p => Assert.False(p.IsPaused));
        Report("~5 threads", pauses);
        AssertRunningAgain(target);
    }

    [Theory]
    [MemberData(nameof(GoToolchains.Data), MemberType = typeof(GoToolchains))]
    public void SigurgDeliveredToOneThreadLeavesTheTargetWorking(string release)
    {
        Requires.Root();
        using var target = StartTarget(release);
        var urgBefore = target.LastBeat().Urg;
        using (var pause = ProcessPause.Pause(target.Pid, Limit))
        {
            foreach (var thread in pause.Threads.Take(3))
            {
                var delivery = pause.DeliverSignal(thread.Tid, SIGURG, TimeSpan.FromSeconds(1));
                Assert.Equal(SIGURG, delivery.Signal);
                Assert.Equal(thread.Tid, delivery.Tid);
                var again = pause.RestopThread(thread.Tid, TimeSpan.FromSeconds(1));
                Assert.Equal(thread.Tid, again.Tid);
                Assert.Equal('t', Procfs.ThreadStates(target.Pid)[thread.Tid]);
                output.WriteLine($"{release}: SIGURG delivered to {thread.Tid} (signals delivered before it: [{string.Join(",", delivery.OtherSignalsDelivered)}]), stopped again at {again.Registers}");
            }
            // Threads the released one may have started are held too.
            AssertAllTracingStop(target.Pid, pause);
        }
        AssertRunningAgain(target);
        var deadline = Stopwatch.StartNew();
        while (target.LastBeat().Urg <= urgBefore && deadline.ElapsedMilliseconds < 5000) Thread.Sleep(5);
        Assert.True(target.LastBeat().Urg > urgBefore, "the program was never notified of a SIGURG");
        Assert.NotEqual('-', Procfs.State(target.Pid));
    }

    [Fact]
    public void TargetResumesWhenThePausingProcessIsKilled()
    {
        Requires.Root();
        var helperDir = Directory.CreateTempSubdirectory("sideeye-helper-").FullName;
        Process? helper = null;
        try
        {
            var helperBinary = NativeProgram.Build("pause_helper", helperDir);
            using var target = StartTarget([]);
            helper = Process.Start(new ProcessStartInfo(helperBinary, target.Pid.ToString()) { RedirectStandardOutput = true, RedirectStandardError = true })!;
            var line = helper.StandardOutput.ReadLine();
            Assert.StartsWith("paused ", line);
            var states = Procfs.ThreadStates(target.Pid);
            Assert.All(states, s => Assert.Equal('t', s.Value));
            var stuck = target.LastBeat().Beat;
            Thread.Sleep(50);
            Assert.Equal(stuck, target.LastBeat().Beat);

            // A thread has one tracer: our pause says who holds it.
            var error = Assert.Throws<TargetProcessException>(() => ProcessPause.Pause(target.Pid, Limit));
            output.WriteLine(error.Message);
            Assert.Contains($"already traced by process {helper.Id}", error.Message);
            Assert.Contains($"process {target.Pid}", error.Message);

            helper.Kill();
            helper.WaitForExit();
            AssertRunningAgain(target);
        }
        finally
        {
            if (helper is { HasExited: false }) helper.Kill();
            helper?.Dispose();
            Directory.Delete(helperDir, recursive: true);
        }
    }

    [Fact]
    public void WatchdogResumesAPauseNobodyEnds()
    {
        Requires.Root();
        using var target = StartTarget([]);
        var pause = ProcessPause.Pause(target.Pid, TimeSpan.FromMilliseconds(200));
        try
        {
            AssertAllTracingStop(target.Pid, pause);
            var sw = Stopwatch.StartNew();
            while (pause.IsPaused && sw.ElapsedMilliseconds < 5000) Thread.Sleep(10);
            Assert.False(pause.IsPaused);
            Assert.True(pause.ForceResumed);
            AssertRunningAgain(target);
            output.WriteLine(pause.ToString());

            var error = Assert.Throws<TargetProcessException>(() => pause.DeliverSignal(pause.Threads[0].Tid, SIGURG, TimeSpan.FromSeconds(1)));
            Assert.Contains("force-resumed", error.Message);
        }
        finally
        {
            pause.Dispose();
        }
        pause.Dispose(); // idempotent
    }

    [Fact]
    public void TargetKilledDuringThePauseLeavesNothingBehind()
    {
        Requires.Root();
        using var target = StartTarget([]);
        var pause = ProcessPause.Pause(target.Pid, Limit);
        try
        {
            target.Kill();
            Assert.Throws<TargetProcessException>(() =>
            {
                // Depending on how far the exit has got, the thread is gone or never reaches the signal.
                pause.DeliverSignal(pause.Threads[0].Tid, SIGURG, TimeSpan.FromMilliseconds(500));
                pause.RestopThread(pause.Threads[0].Tid, TimeSpan.FromMilliseconds(500));
            });
        }
        finally
        {
            pause.Dispose();
        }
        var sw = Stopwatch.StartNew();
        while (Procfs.State(target.Pid) is not ('-' or 'Z' or 'X') && sw.ElapsedMilliseconds < 3000) Thread.Sleep(10);
        Assert.Contains(Procfs.State(target.Pid), "-ZX");
        output.WriteLine($"{pause}; target exited: {pause.TargetExited}");
    }

    [Fact]
    public void HundredsOfThreadsAllStop()
    {
        Requires.Root();
        using var target = StartTarget("-locked", "300");
        target.WaitForThreads(300);
        var pauses = new List<ProcessPause>();
        for (var i = 0; i < 10; i++)
        {
            using var pause = ProcessPause.Pause(target.Pid, Limit);
            pauses.Add(pause);
            Assert.True(pause.Threads.Count >= 300, $"{pause.Threads.Count} threads");
            AssertAllTracingStop(target.Pid, pause);
        }
        Report("~300 threads", pauses);
        AssertRunningAgain(target);
    }

    [Fact]
    public void ThreadsBornDuringThePauseAreHeld()
    {
        Requires.Root();
        // Four goroutines keep creating OS threads that exit soon after: thousands per second.
        using var target = StartTarget("-churn", "4");
        // Thread ids are compared as a set: they wrap around at pid_max, so "larger than before" proves nothing.
        var initial = Procfs.ThreadStates(target.Pid).Keys.ToHashSet();
        var born = new HashSet<int>();
        void Sample() => born.UnionWith(Procfs.ThreadStates(target.Pid).Keys.Where(t => !initial.Contains(t)));
        var pauses = new List<ProcessPause>();
        for (var i = 0; i < 30; i++)
        {
            using var pause = ProcessPause.Pause(target.Pid, Limit);
            pauses.Add(pause);
            // A thread that was already exiting when the pause began may take a moment to go away.
            Thread.Sleep(5);
            AssertAllTracingStop(target.Pid, pause);
            Sample();
        }
        // Short-lived threads come and go between samples, and a loaded machine runs the target slowly: keep sampling.
        for (var deadline = Environment.TickCount64 + 10_000; born.Count <= 100 && Environment.TickCount64 < deadline; Thread.Sleep(5))
            Sample();
        Assert.True(born.Count > 100, $"the target created only {born.Count} threads that were seen");
        Report("thread churn (held includes a 5 ms sleep)", pauses);
        output.WriteLine($"threads born while pausing and held from birth: {pauses.Sum(p => p.ThreadsBornDuringPause)}");
        AssertRunningAgain(target);
    }

    [Fact]
    public void ExitHooksResumeActivePauses()
    {
        Requires.Root();
        using var target = StartTarget([]);
        var pause = ProcessPause.Pause(target.Pid, Limit);
        try
        {
            Assert.True(pause.IsPaused);
            // What ProcessExit, Ctrl-C and an unhandled exception run.
            PauseExitHooks.ResumeAll();
            Assert.False(pause.IsPaused);
            Assert.False(pause.ForceResumed);
            AssertRunningAgain(target);
        }
        finally
        {
            pause.Dispose();
        }
    }

    [Fact]
    public void TargetExitingOnItsOwnWhilePausedRepeatedly()
    {
        Requires.Root();
        var binary = GoFixture.Build("pausetarget", GoToolchains.Newest);
        var outcomes = new Dictionary<string, int>();
        for (var round = 0; round < 5; round++)
        {
            using var target = new TargetProcess(binary, "-churn", "2", "-exit-after", "150ms");
            // Pause and resume back to back until the process has gone; each attempt must either work or say why not.
            while (Procfs.State(target.Pid) is not ('-' or 'Z' or 'X'))
            {
                string outcome;
                try
                {
                    using var pause = ProcessPause.Pause(target.Pid, Limit);
                    outcome = pause.TargetExited ? "paused, then exited" : "paused";
                }
                catch (TargetProcessException e)
                {
                    Assert.Equal(target.Pid, e.Pid);
                    Assert.True(e.Reason is "exited during the pause" or "no such process" || e.Reason.StartsWith("has exited", StringComparison.Ordinal), e.Message);
                    outcome = e.Reason.StartsWith("has exited", StringComparison.Ordinal) ? "has exited" : e.Reason;
                }
                outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
            }
            Assert.DoesNotContain(Procfs.ThreadStates(target.Pid).Values, s => s == 't');
        }
        output.WriteLine(string.Join(", ", outcomes.Select(o => $"{o.Key}: {o.Value}")));
    }

    [Fact]
    public void SignalForAThreadOutsideThePauseIsRefused()
    {
        Requires.Root();
        using var target = StartTarget([]);
        using var pause = ProcessPause.Pause(target.Pid, Limit);
        var error = Assert.Throws<TargetProcessException>(() => pause.DeliverSignal(Environment.ProcessId, SIGURG, TimeSpan.FromSeconds(1)));
        Assert.Contains("not part of the pause", error.Message);
        AssertAllTracingStop(target.Pid, pause);
    }

    [Fact]
    public void SecondPauseOfTheSameTargetIsRefused()
    {
        Requires.Root();
        using var target = StartTarget([]);
        using var first = ProcessPause.Pause(target.Pid, Limit);
        var error = Assert.Throws<TargetProcessException>(() => ProcessPause.Pause(target.Pid, Limit));
        output.WriteLine(error.Message);
        Assert.Contains("already traced by another pause in this process", error.Message);
        AssertAllTracingStop(target.Pid, first);
        first.Resume();
        AssertRunningAgain(target);
    }

    [Fact]
    public void ALimitTooShortToStopEveryThreadLeavesTheTargetRunning()
    {
        Requires.Root();
        using var target = StartTarget("-locked", "50");
        target.WaitForThreads(50);
        for (var i = 0; i < 20; i++)
        {
            // 100 ns: either not every thread has reported its stop in time (the pause fails and releases the
            // ones it stopped) or the watchdog resumes at once.
            try
            {
                using var pause = ProcessPause.Pause(target.Pid, TimeSpan.FromTicks(1));
                var sw = Stopwatch.StartNew();
                while (pause.IsPaused && sw.ElapsedMilliseconds < 2000) Thread.Sleep(1);
                Assert.True(pause.ForceResumed);
            }
            catch (TargetProcessException e)
            {
                output.WriteLine(e.Message);
                Assert.Contains("within the pause limit of 0.0001 ms", e.Message);
            }
            AssertRunningAgain(target);
        }
    }

    [Fact]
    public void APauseAtAnInstantStopsNoEarlierAndItsLimitCountsFromThere()
    {
        Requires.Root();
        using var target = StartTarget([]);
        var (firstStops, allStopped) = (new List<long>(), new List<long>());
        for (var i = 0; i < 10; i++)
        {
            // Further ahead than the pause limit: a limit counted from the call would have run out before the instant.
            var at = StartInstant.NowUnixNs() + 300_000_000;
            var (beat, pause) = ProcessPause.PauseWhile(target.Pid, TimeSpan.FromMilliseconds(200), p =>
            {
                AssertAllTracingStop(target.Pid, p);
                return target.LastBeat().Beat;
            }, startAtUnixNs: at);
            Assert.False(pause.ForceResumed);
            // The pause records the monotonic clock; the instant is on the realtime one.
            var (firstStop, everyStop) = (StartInstant.UnixNsOf(pause.PausedAtNs), StartInstant.UnixNsOf(pause.StoppedAtNs));
            Assert.True(firstStop >= at - 100_000, $"the first thread was stopped {(at - firstStop) / 1e3:F0} µs before the instant");
            firstStops.Add(firstStop - at);
            allStopped.Add(everyStop - at);
            Assert.True(beat > 0);
        }
        static string Us(List<long> ns) => string.Join(", ", ns.Order().Select(n => $"{n / 1e3:F0}"));
        output.WriteLine($"after the instant: the first stop {Us(firstStops)} µs; every thread stopped {Us(allStopped)} µs");
        AssertRunningAgain(target);
    }

    [Fact]
    public void APauseCancelledBeforeItsInstantStopsNothing()
    {
        Requires.Root();
        using var target = StartTarget([]);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        var clock = Stopwatch.StartNew();
        Assert.ThrowsAny<OperationCanceledException>(() => ProcessPause.PauseWhile(target.Pid, Limit, _ => 0,
            startAtUnixNs: StartInstant.NowUnixNs() + 10_000_000_000, startCancellation: cancel.Token));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"the cancelled wait took {clock.Elapsed}");
        Assert.Equal(0, Procfs.ThreadStates(target.Pid).Count(s => s.Value == 't'));
        AssertRunningAgain(target);
    }
}
