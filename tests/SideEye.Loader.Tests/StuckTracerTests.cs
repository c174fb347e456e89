using System.Diagnostics;
using System.Runtime.InteropServices;
using SideEye.Loader.Pause;
using SideEye.Testing;
using Xunit.Abstractions;

namespace SideEye.Loader.Tests;

/// <summary>
/// A pause whose tracer thread stops answering. Every caller returns and says what state the target is in; the
/// target runs again as soon as the thread is freed (interrupted, or unblocked by reaping), and when nothing can
/// free it, <see cref="ProcessPause.Wedged"/> is raised and the threads stay held until the thread returns (and
/// until our exit, see <see cref="CrashSafetyTests"/>). Each wedge is of the test's making and stays in place
/// until the test lifts it, long after the callers' bound: "returned in time" is checked as "returned while the
/// thread was still stuck", not against a wall clock.
/// </summary>
[Trait("Category", "Privileged")]
public sealed partial class StuckTracerTests(ITestOutputHelper output)
{
    static readonly TimeSpan Limit = TimeSpan.FromMilliseconds(300);
    static readonly TimeSpan Grace = TimeSpan.FromMilliseconds(300);

    /// <summary>What ProcessPause documents: the limit, then the release allowance and the grace, before and after the interrupt.</summary>
    static TimeSpan GiveUpBound => Limit + 2 * (TimeSpan.FromTicks(TraceeSet.ReleaseAllowanceNs / 100) + Grace);

    /// <summary>How long a wedge stays at most when the caller does not return: far past the bound.</summary>
    static TimeSpan WedgeLifetime => 20 * GiveUpBound;

    [Fact]
    public async Task WorkStuckInAManagedWaitIsInterruptedAndTheTargetRunsAgain()
    {
        Requires.Root();
        using var target = ProcessPauseTests.StartTarget();
        using var wedged = new WedgedEvents(target.Pid);
        using var never = new ManualResetEventSlim();
        var sw = Stopwatch.StartNew();
        var error = await ReturnsWhileStuck(() => ProcessPause.PauseWhile(target.Pid, Limit, _ => { never.Wait(); return 0; }, tracerGrace: Grace), lift: never.Set);
        output.WriteLine($"returned after {sw.ElapsedMilliseconds} ms (bound {GiveUpBound.TotalMilliseconds} ms): {error.Message}");
        Assert.Equal(target.Pid, error.Pid);
        Assert.StartsWith("gave up waiting to stop the target, run the work and resume: the pause's tracer thread ", error.Reason);
        Assert.Contains("while running the work given to PauseWhile; interrupted, it released the target and ended", error.Reason);
        Assert.IsType<ThreadInterruptedException>(error.InnerException);
        Assert.True(sw.Elapsed >= Limit + Grace, $"gave up after {sw.ElapsedMilliseconds} ms, before the limit and the grace");
        Assert.Empty(wedged.Raised);
        ProcessPauseTests.AssertRunningAgain(target);
    }

    [Fact]
    public async Task WorkStuckInNativeCodeRaisesWedgedAndTheTargetRunsOnceItReturns()
    {
        Requires.Root();
        using var target = ProcessPauseTests.StartTarget();
        using var wedged = new WedgedEvents(target.Pid);
        using var wedge = new NativeWedge();
        var error = await ReturnsWhileStuck(() => ProcessPause.PauseWhile(target.Pid, Limit, _ => wedge.Block(), tracerGrace: Grace), wedge.Lift);
        output.WriteLine(error.Message);
        var raised = Assert.Single(wedged.Raised);
        Assert.Equal("running the work given to PauseWhile", raised.Activity);
        Assert.Contains("is still stuck after an interrupt (in the kernel or native code)", error.Reason);
        Assert.EndsWith($"it holds {raised.ThreadsHeld} thread(s) of the target, {raised.ThreadsStopped} of them stopped, until it returns (it then releases them) or this process exits; ProcessPause.Wedged was raised", error.Reason);
        Assert.Equal(raised.Reason, error.Reason[(error.Reason.IndexOf(": ", StringComparison.Ordinal) + 2)..]);

        // Why the target cannot run yet: every thread is in a ptrace-stop under the stuck thread, and ptrace lets
        // no other thread release it. Once the thread returns from read(2), it releases them itself.
        AssertHeldBy(target.Pid, raised.TracerTid, raised.ThreadsStopped);
        wedge.Lift();
        ProcessPauseTests.AssertRunningAgain(target);
    }

    [Fact]
    public async Task ResumeAndDisposeReturnWhileTheTracerThreadIsStuck()
    {
        Requires.Root();
        using var target = ProcessPauseTests.StartTarget();
        using var wedged = new WedgedEvents(target.Pid);
        using var wedge = new NativeWedge();
        var pause = ProcessPause.Pause(target.Pid, Limit, Grace);
        var stuck = Task.Run(() => pause.OnTracerThread("block in read(2) for the test", wedge.Block));
        Assert.True(wedge.Entered.Wait(WedgeLifetime), "the tracer thread never ran the blocking request");

        var error = await ReturnsWhileStuck(() => { pause.Resume(); return 0; }, wedge.Lift);
        output.WriteLine(error.Message);
        Assert.StartsWith($"gave up waiting to resume the target: the pause's tracer thread {pause.TracerTid} did not answer within the pause limit of 300 ms, 600 ms to release and a grace of 300 ms, while handling a request to block in read(2) for the test", error.Reason);
        var raised = Assert.Single(wedged.Raised);
        // The request's own caller gave up too, with the same verdict.
        var requestError = await Assert.ThrowsAsync<TargetProcessException>(() => stuck.WaitAsync(WedgeLifetime));
        Assert.Equal($"gave up waiting to block in read(2) for the test: {raised.Reason}", requestError.Reason);

        pause.Dispose(); // returns at once: the give-up has been reported
        var refused = Assert.Throws<TargetProcessException>(() => pause.PollTargetExited());
        Assert.StartsWith("cannot check on the target: the pause was given up: ", refused.Reason);
        Assert.True(pause.IsPaused);
        AssertHeldBy(target.Pid, pause.TracerTid, raised.ThreadsStopped);

        wedge.Lift();
        ProcessPauseTests.AssertRunningAgain(target);
        var sw = Stopwatch.StartNew();
        while (pause.IsPaused && sw.Elapsed < WedgeLifetime) Thread.Sleep(5);
        Assert.False(pause.IsPaused);
    }

    [Fact]
    public void ResumeCalledByTheWorkOnTheTracerThreadEndsThePauseEarly()
    {
        Requires.Root();
        using var target = ProcessPauseTests.StartTarget();
        var (states, pause) = ProcessPause.PauseWhile(target.Pid, TimeSpan.FromSeconds(5), p =>
        {
            p.Resume();
            return Procfs.WaitUntilRunning(p.Pid);
        });
        Assert.NotEmpty(states);
        Assert.All(states, s => Assert.True(s.Value is not ('t' or 'T'), $"thread {s.Key} is in state {s.Value} after Resume on the tracer thread"));
        Assert.False(pause.IsPaused);
        Assert.False(pause.ForceResumed);
        ProcessPauseTests.AssertRunningAgain(target);
    }

    /// <summary>
    /// The kernel's own way to wedge a tracer: the target runs execve from one thread after we seized another.
    /// exec kills the seized thread and waits, holding the cred_guard_mutex, until it is reaped by its tracer,
    /// while our tracer thread sleeps in PTRACE_SEIZE of the next thread on that mutex, which no signal ends. The
    /// caller that gives up reaps the exited thread for it: the exec finishes, the seize returns, the target is released.
    /// </summary>
    [Fact]
    public async Task AnExecveThatWaitsForASeizedThreadIsUnblockedByReapingIt()
    {
        Requires.Root();
        var dir = Directory.CreateTempSubdirectory("sideeye-exec-").FullName;
        try
        {
            var cue = Path.Combine(dir, "cue");
            var sleep = new[] { "/usr/bin/sleep", "/bin/sleep" }.First(File.Exists);
            using var target = new TargetProcess(NativeProgram.Build("exec_on_cue", dir), cue, sleep, "60");
            var (main, idle, execs) = ThreadsOf(target);
            using var wedged = new WedgedEvents(target.Pid);
            TraceeSet.SeizedForTests = (pid, tid) =>
            {
                if (pid != target.Pid || tid != idle) return;
                // Seized main and idle; execs is next. Start its exec and wait until it has killed idle.
                File.WriteAllText(cue, "");
                var sw = Stopwatch.StartNew();
                while (Procfs.ThreadStates(pid).GetValueOrDefault(idle) != 'Z' && sw.Elapsed < WedgeLifetime) Thread.Sleep(1);
            };
            TargetProcessException error;
            try
            {
                // If nothing frees the tracer thread, SIGKILL ends the exec and with it the seize.
                error = await ReturnsWhileStuck(() => ProcessPause.Pause(target.Pid, Limit, Grace), target.Kill);
            }
            finally
            {
                TraceeSet.SeizedForTests = null;
            }
            output.WriteLine($"threads {main} {idle} {execs}: {error.Message}");
            Assert.StartsWith("gave up waiting to stop the target: the pause's tracer thread ", error.Reason);
            Assert.Contains("while stopping the target; interrupted, and with 1 exited thread(s) of the target reaped for it (an execve there waits for them), it released the target and ended", error.Reason);
            Assert.Empty(wedged.Raised);
            // The exec went through, and what it started runs untraced.
            Assert.Equal(sleep, File.ResolveLinkTarget($"/proc/{target.Pid}/exe", returnFinalTarget: false)?.FullName);
            var states = Procfs.WaitUntilRunning(target.Pid);
            Assert.NotEmpty(states);
            Assert.All(states, s => Assert.True(s.Value is 'R' or 'S', $"thread {s.Key} is in state {s.Value}"));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    static (int Main, int Idle, int Execs) ThreadsOf(TargetProcess target)
    {
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < WedgeLifetime)
        {
            var line = File.ReadAllLines(target.OutputPath).FirstOrDefault(l => l.StartsWith("threads ", StringComparison.Ordinal));
            if (line is not null)
            {
                var tids = line.Split(' ').Skip(1).Select(int.Parse).ToArray();
                return (tids[0], tids[1], tids[2]);
            }
            Thread.Sleep(5);
        }
        throw new Xunit.Sdk.XunitException($"exec_on_cue did not print its threads: {File.ReadAllText(target.OutputPath)}");
    }

    /// <summary>
    /// Runs <paramref name="caller"/>, which must throw a <see cref="TargetProcessException"/>, and fails unless it
    /// does so while the wedge is still in place; the wedge is lifted after <see cref="WedgeLifetime"/> regardless.
    /// </summary>
    static async Task<TargetProcessException> ReturnsWhileStuck<T>(Func<T> caller, Action lift)
    {
        var call = Task.Run(caller);
        try
        {
            await call.WaitAsync(WedgeLifetime);
        }
        catch (TimeoutException)
        {
            lift();
            Assert.Fail($"the caller was still waiting {WedgeLifetime.TotalSeconds} s on, far past its bound of {GiveUpBound.TotalMilliseconds} ms");
        }
        catch (TargetProcessException e)
        {
            return e;
        }
        throw new Xunit.Sdk.XunitException("the caller returned although its tracer thread was stuck");
    }

    /// <summary>Every thread of the target is in a ptrace-stop, traced by the stuck tracer thread.</summary>
    static void AssertHeldBy(int pid, int tracerTid, int stopped)
    {
        var states = Procfs.ThreadStates(pid);
        Assert.Equal(stopped, states.Count);
        foreach (var (tid, state) in states)
        {
            Assert.True(state == 't', $"thread {tid} is in state {state}, not t");
            var tracer = File.ReadLines($"/proc/{pid}/task/{tid}/status").First(l => l.StartsWith("TracerPid:", StringComparison.Ordinal))[10..].Trim();
            Assert.Equal(tracerTid.ToString(), tracer);
        }
    }

    /// <summary>Records <see cref="ProcessPause.Wedged"/> for one target while alive.</summary>
    sealed class WedgedEvents : IDisposable
    {
        readonly int _pid;
        readonly List<PauseWedgedEventArgs> _raised = [];

        public WedgedEvents(int pid)
        {
            _pid = pid;
            ProcessPause.Wedged += OnWedged;
        }

        public IReadOnlyList<PauseWedgedEventArgs> Raised
        {
            get { lock (_raised) return [.. _raised]; }
        }

        void OnWedged(object? sender, PauseWedgedEventArgs e)
        {
            if (sender is ProcessPause pause && pause.Pid == _pid) lock (_raised) _raised.Add(e);
        }

        public void Dispose() => ProcessPause.Wedged -= OnWedged;
    }

    /// <summary>
    /// Blocks the calling thread in read(2) on a pipe until <see cref="Lift"/>: native code, where neither
    /// Thread.Interrupt nor anything else of ours reaches it, as a thread stuck in the kernel would be.
    /// </summary>
    sealed partial class NativeWedge : IDisposable
    {
        readonly int _read, _write;

        public NativeWedge()
        {
            var fds = new int[2];
            if (Pipe(fds) != 0) throw new InvalidOperationException($"pipe: errno {Marshal.GetLastPInvokeError()}");
            (_read, _write) = (fds[0], fds[1]);
        }

        public ManualResetEventSlim Entered { get; } = new();

        public int Block()
        {
            Entered.Set();
            var buffer = new byte[1];
            return (int)Read(_read, buffer, 1);
        }

        public void Lift() => Write(_write, [1], 1);

        public void Dispose()
        {
            Lift();
            Close(_write);
            Close(_read);
        }

        [LibraryImport("libc", EntryPoint = "pipe", SetLastError = true)]
        private static partial int Pipe([Out] int[] fds);

        [LibraryImport("libc", EntryPoint = "read")]
        private static partial nint Read(int fd, [Out] byte[] buffer, nint count);

        [LibraryImport("libc", EntryPoint = "write")]
        private static partial nint Write(int fd, byte[] buffer, nint count);

        [LibraryImport("libc", EntryPoint = "close")]
        private static partial int Close(int fd);
    }
}
