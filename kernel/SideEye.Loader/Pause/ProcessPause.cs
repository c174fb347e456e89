using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
using SideEye.Loader.Ptrace;
using static SideEye.Loader.Ptrace.PtraceNative;

namespace SideEye.Loader.Pause;

/// <summary>
/// Every thread of a process held in a ptrace-stop for a bounded time, with each thread's registers.
/// </summary>
/// <remarks>
/// <para>How: one dedicated OS thread per pause is the tracer (ptrace remembers the tracer thread). It lists
/// /proc/PID/task, PTRACE_SEIZEs and PTRACE_INTERRUPTs each thread, waits for every stop, and lists again until
/// no thread is new. Seizing uses PTRACE_O_TRACECLONE, so a thread created by a thread that is seized but not
/// yet stopped (or by a thread we let run, see <see cref="DeliverSignal"/>) is traced from birth and starts in
/// a ptrace-stop: no thread escapes the pause, and the re-listing catches threads born before their parent was
/// seized. Signals that arrive while a thread stops (signal-delivery-stops) are remembered and passed back on
/// PTRACE_DETACH, so the target loses nothing.</para>
/// <para>Guarantees: the tracer thread is also the watchdog: at <see cref="MaxPause"/> after the pause
/// began (before the first interrupt, so the bound is conservative) it resumes the target by itself, however the caller behaves (<see cref="ForceResumed"/>).
/// ProcessExit, unhandled exceptions, Ctrl-C, SIGTERM, SIGHUP and SIGQUIT resume active pauses (see
/// PauseExitHooks). If our process is SIGKILLed or crashes,
/// or the tracer thread ends, the kernel detaches the tracees and threads stopped this way run again
/// (unlike SIGSTOP or a cgroup freeze). Minimum kernel 3.4 (PTRACE_SEIZE/INTERRUPT); see <see cref="Tracer"/>
/// for privileges and Yama. Do not pause a child that this process started with System.Diagnostics.Process:
/// .NET's SIGCHLD reaping calls waitpid on its children and could consume the main thread's stop report.</para>
/// </remarks>
public sealed class ProcessPause : IDisposable
{
    sealed class WorkItem(Func<object?> work, bool isResume)
    {
        public readonly ManualResetEventSlim Done = new();
        public readonly bool IsResume = isResume;
        public object? Result;
        public Exception? Error;

        public void Run()
        {
            // Not swallowed: the caller waiting on Done rethrows it with its stack.
            try { Result = work(); }
            catch (Exception e) { Error = e; }
            finally { Done.Set(); }
        }

        public void Fail(Exception e)
        {
            Error = e;
            Done.Set();
        }
    }

    // Created on, and used only by, the tracer thread.
    TraceeSet _tracees = null!;
    long _deadlineNs;

    readonly object _gate = new();
    readonly Queue<WorkItem> _queue = new();
    readonly Thread _worker;
    readonly ManualResetEventSlim _established = new();
    Exception? _establishError;
    Exception? _resumeError;
    volatile bool _ended;
    volatile bool _forceResumed;
    long _resumedAtNs;

    // PauseWhile: work the tracer thread runs as soon as every thread is stopped, and its outcome.
    readonly Func<ProcessPause, object?>? _whilePaused;
    object? _whilePausedResult;
    Exception? _whilePausedError;

    readonly (int Tid, int Signal)? _stopBySignal;

    ProcessPause(int pid, TimeSpan maxPause, Func<ProcessPause, object?>? whilePaused = null, (int Tid, int Signal)? stopBySignal = null)
    {
        _stopBySignal = stopBySignal;
        Pid = pid;
        MaxPause = maxPause;
        _whilePaused = whilePaused;
        _worker = new Thread(Run) { IsBackground = true, Name = $"sideeye-pause-{pid}" };
    }

    public int Pid { get; }

    /// <summary>The longest the target stays stopped: the watchdog resumes it then.</summary>
    public TimeSpan MaxPause { get; }

    /// <summary>Every thread stopped by the pause, in tid order, with its registers at <see cref="StoppedAtNs"/>.</summary>
    public IReadOnlyList<PausedThread> Threads { get; private set; } = [];

    /// <summary>CLOCK_MONOTONIC (the clock of bpf_ktime_get_ns) when the first thread was interrupted.</summary>
    public long PausedAtNs { get; private set; }

    /// <summary>CLOCK_MONOTONIC when every thread was known to be stopped.</summary>
    public long StoppedAtNs { get; private set; }

    /// <summary>CLOCK_MONOTONIC when the last thread was detached; 0 while paused.</summary>
    public long ResumedAtNs => Interlocked.Read(ref _resumedAtNs);

    /// <summary>CLOCK_MONOTONIC when the registers were read and the pause handed to the caller.</summary>
    public long EstablishedAtNs { get; private set; }

    /// <summary>CLOCK_MONOTONIC when the tracer thread started resuming (the caller's request or the watchdog).</summary>
    public long ResumeStartedAtNs { get; private set; }

    /// <summary>From the first interrupt until every thread was known to be stopped.</summary>
    public long StopLatencyNs => StoppedAtNs - PausedAtNs;

    /// <summary>How long any thread of the target was held: first interrupt to last detach (to now while paused).</summary>
    public long PauseDurationNs => (ResumedAtNs is var r and not 0 ? r : MonotonicNs()) - PausedAtNs;

    public bool IsPaused => !_ended;

    /// <summary>Threads the target created while being paused, held from birth through PTRACE_O_TRACECLONE.</summary>
    public int ThreadsBornDuringPause => _tracees?.ThreadsBorn ?? 0;

    /// <summary>The watchdog resumed the target because <see cref="MaxPause"/> elapsed before <see cref="Resume"/>.</summary>
    public bool ForceResumed => _forceResumed;

    /// <summary>The target exited (for example it was SIGKILLed) while paused.</summary>
    public bool TargetExited => _tracees?.ProcessGone ?? false;

    /// <summary>
    /// Stops every thread of process <paramref name="pid"/>. Throws <see cref="TargetProcessException"/> when the
    /// process does not exist, has exited, is our own, is traced by someone else, may not be traced, does not stop
    /// within <paramref name="maxPause"/>, or exits meanwhile; nothing stays stopped then.
    /// </summary>
    public static ProcessPause Pause(int pid, TimeSpan maxPause)
    {
        if (maxPause <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(maxPause), maxPause, "a pause needs a positive limit");
        CheckTarget(pid);
        var pause = new ProcessPause(pid, maxPause);
        PauseExitHooks.Add(pause);
        pause._worker.Start();
        // Establishing is bounded by maxPause and its clean-up by a short grace; the margin only guards against a bug.
        if (!pause._established.Wait(maxPause + TimeSpan.FromSeconds(10)))
        {
            pause.Resume();
            throw new TargetProcessException(pid, "the pause thread did not answer; the target was released");
        }
        if (pause._establishError is { } error)
        {
            pause._worker.Join();
            PauseExitHooks.Remove(pause);
            ExceptionDispatchInfo.Throw(error);
        }
        return pause;
    }

    /// <summary>
    /// Stops every thread, runs <paramref name="work"/> on the tracer thread at once, resumes, and returns what
    /// it returned along with the ended pause (for its timings and <see cref="Threads"/>). Nothing passes
    /// between threads while the target is stopped, so no wake-up latency is added to the pause: the way to keep
    /// it short. <paramref name="work"/> may call <see cref="DeliverSignal"/> and <see cref="RestopThread"/>
    /// (bounded by the pause limit) and must bound anything else it waits for by <see cref="DeadlineNs"/>. Errors
    /// are those of <see cref="Pause"/>, or <paramref name="work"/>'s own, rethrown after the target resumed.
    /// </summary>
    /// <param name="signalThread">A thread <paramref name="work"/> will <see cref="DeliverSignal"/> to: it is stopped with that
    /// signal instead of an interrupt, so the delivery later costs one continue instead of a stop-and-go.</param>
    public static (T Result, ProcessPause Pause) PauseWhile<T>(int pid, TimeSpan maxPause, Func<ProcessPause, T> work, (int Tid, int Signal)? signalThread = null)
    {
        if (maxPause <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(maxPause), maxPause, "a pause needs a positive limit");
        CheckTarget(pid);
        var pause = new ProcessPause(pid, maxPause, p => work(p), signalThread);
        PauseExitHooks.Add(pause);
        pause._worker.Start();
        if (!pause._established.Wait(maxPause + TimeSpan.FromSeconds(10)))
        {
            pause.Resume();
            throw new TargetProcessException(pid, "the pause thread did not answer; the target was released");
        }
        pause.Resume(); // already resumed by the tracer thread: joins it and reports a failed resume
        if (pause._establishError is { } error) ExceptionDispatchInfo.Throw(error);
        if (pause._whilePausedError is { } failed) ExceptionDispatchInfo.Throw(failed);
        return ((T)pause._whilePausedResult!, pause);
    }

    /// <summary>
    /// Collects, without waiting, what the kernel reported about the tracees meanwhile; true when the target
    /// has exited (killed while paused, say). For work that waits on something else (see <see cref="PauseWhile"/>).
    /// </summary>
    public bool PollTargetExited() => Invoke(() => _tracees.PollExited(), "check on the target");

    /// <summary>CLOCK_MONOTONIC time at which the watchdog resumes the target.</summary>
    public long DeadlineNs => _deadlineNs;

    static void CheckTarget(int pid)
    {
        if (RuntimeInformation.ProcessArchitecture != Architecture.X64)
            throw new TargetProcessException(pid, $"pausing reads x86_64 registers; this host is {RuntimeInformation.ProcessArchitecture}");
        if (pid <= 0) throw new TargetProcessException(pid, "not a process id");
        var self = Environment.ProcessId;
        if (pid == self) throw new TargetProcessException(pid, "is SideEye's own process, which cannot pause itself");
        var status = ProcStatus.Read(pid) ?? throw new TargetProcessException(pid, "no such process", ESRCH);
        if (status.HasExited) throw new TargetProcessException(pid, $"has exited (state {status.State}: a zombie whose parent has not reaped it)");
        if (status.Tgid == self) throw new TargetProcessException(pid, "is a thread of SideEye's own process, which cannot pause itself");
        if (status.Tgid != pid) throw new TargetProcessException(pid, $"is a thread of process {status.Tgid}; pause the process instead");
    }

    /// <summary>
    /// Lets one paused thread run until the kernel delivers <paramref name="signal"/> to it (sent with tgkill),
    /// then passes the signal on: the thread runs its handler in its own context (e.g. Go's SIGURG handler, so
    /// that a uprobe fires there) and keeps running until <see cref="RestopThread"/> or the end of the pause.
    /// Signals pending before ours are delivered first, never dropped. Bounded by <paramref name="timeout"/> and
    /// the pause limit; on failure the thread is stopped again.
    /// </summary>
    public SignalDelivery DeliverSignal(int tid, int signal, TimeSpan timeout) =>
        Invoke(() => _tracees.DeliverSignal(tid, signal, Math.Min(Deadline(timeout), _deadlineNs)), $"deliver signal {signal} to thread {tid}");

    /// <summary>
    /// Moves the tracer thread off the CPU thread <paramref name="tid"/> last ran on (see <see cref="CpuPlacement"/>),
    /// before it is let run, so waiting for it never competes with it. The tracer thread ends with the pause.
    /// </summary>
    public bool KeepOffCpuOf(int tid) => Invoke(() => CpuPlacement.AvoidCpuOf(Pid, tid), $"keep off the CPU of thread {tid}");

    /// <summary>
    /// Stops a thread let run by <see cref="DeliverSignal"/> again and returns its registers now;
    /// <see cref="Threads"/> then also lists threads it started meanwhile (held from birth).
    /// </summary>
    public PausedThread RestopThread(int tid, TimeSpan timeout) =>
        Invoke(() =>
        {
            var thread = _tracees!.Restop(tid, Math.Min(Deadline(timeout), _deadlineNs));
            Threads = _tracees.StoppedThreads();
            return thread;
        }, $"stop thread {tid}");

    /// <summary>Detaches every thread (passing on remembered signals). Idempotent; returns once the tracer thread has ended.</summary>
    public void Resume()
    {
        WorkItem? item = null;
        lock (_gate)
        {
            if (!_ended)
            {
                item = new WorkItem(() => { ResumeNow(); return null; }, isResume: true);
                _queue.Enqueue(item);
                Monitor.Pulse(_gate);
            }
        }
        item?.Done.Wait();
        // When the tracer thread exits the kernel drops whatever it still traces, so joining completes the guarantee.
        if (_worker.ThreadState != ThreadState.Unstarted && Thread.CurrentThread != _worker) _worker.Join();
        PauseExitHooks.Remove(this);
        // Reported once, by the first call after the failure; the next Resume or Dispose has nothing left to do.
        if (Interlocked.Exchange(ref _resumeError, null) is { } e)
            throw new TargetProcessException(Pid, $"resuming failed ({e.Message}); the kernel released the threads when the tracer thread ended", inner: e);
    }

    public void Dispose() => Resume();

    public override string ToString() =>
        $"pause of {Pid}: {Threads.Count} threads, stopped in {StopLatencyNs / 1000.0:F0} µs, registers read by {(EstablishedAtNs - PausedAtNs) / 1000.0:F0} µs, " +
        $"resume began at {(ResumeStartedAtNs - PausedAtNs) / 1000.0:F0} µs, held {PauseDurationNs / 1000.0:F0} µs{(ForceResumed ? ", force-resumed" : "")}";

    // ---- the tracer thread ----

    void Run()
    {
        var tracer = new Tracer();
        // Best effort (needs CAP_SYS_NICE; harmless without): while the target waits on us, threads we wake
        // must not crowd out the tracer thread, or the pause lasts longer. Not a real-time priority: a woken
        // real-time thread stays queued on its CPU behind a target thread running a long BPF program there
        // (kernel code, not preempted), where an ordinary thread is placed on an idle CPU. Measured both ways.
        SetThreadNice(tracer.TracerTid, -10);
        _deadlineNs = MonotonicNs() + MaxPause.Ticks * 100;
        _tracees = new TraceeSet(Pid, tracer, MaxPause) { StopBySignal = _stopBySignal };
        try
        {
            Threads = _tracees.StopAll(_deadlineNs);
            PausedAtNs = _tracees.FirstInterruptAtNs;
            StoppedAtNs = _tracees.AllStoppedAtNs;
            EstablishedAtNs = MonotonicNs();
        }
        catch (Exception e)
        {
            _establishError = e;
            SafeResume();
            MarkEnded();
            _established.Set();
            return;
        }
        if (_whilePaused is not null)
        {
            try { _whilePausedResult = _whilePaused(this); }
            catch (Exception e) { _whilePausedError = e; }
            SafeResume();
            MarkEnded();
            _established.Set();
            return;
        }
        _established.Set();
        Serve();
    }

    void Serve()
    {
        while (true)
        {
            WorkItem? item;
            lock (_gate)
            {
                while (_queue.Count == 0)
                {
                    var remainingNs = _deadlineNs - MonotonicNs();
                    if (remainingNs <= 0) break;
                    Monitor.Wait(_gate, TimeSpan.FromTicks(Math.Max(1, (remainingNs + 99) / 100)));
                }
                item = _queue.Count > 0 ? _queue.Dequeue() : null;
            }
            if (item is null || (!item.IsResume && MonotonicNs() >= _deadlineNs))
            {
                _forceResumed = true;
                SafeResume();
                item?.Fail(Ended());
                break;
            }
            item.Run();
            if (item.IsResume) break;
        }
        MarkEnded();
    }

    void MarkEnded()
    {
        PauseExitHooks.Remove(this);
        lock (_gate)
        {
            _ended = true;
            while (_queue.Count > 0)
            {
                var item = _queue.Dequeue();
                if (item.IsResume) item.Done.Set();
                else item.Fail(Ended());
            }
        }
    }

    TargetProcessException Ended() => new(Pid, _forceResumed
        ? $"the pause was force-resumed when its limit of {MaxPause.TotalMilliseconds:0.####} ms elapsed"
        : TargetExited ? "exited during the pause" : "the pause has ended");

    T Invoke<T>(Func<T> work, string what)
    {
        if (Thread.CurrentThread == _worker) return work();
        var item = new WorkItem(() => work(), isResume: false);
        lock (_gate)
        {
            if (_ended) throw new TargetProcessException(Pid, $"cannot {what}: {Ended().Reason}");
            _queue.Enqueue(item);
            Monitor.Pulse(_gate);
        }
        // Every operation on the tracer thread is bounded by its timeout and the pause limit.
        item.Done.Wait();
        if (item.Error is not null) ExceptionDispatchInfo.Throw(item.Error);
        return (T)item.Result!;
    }

    long Deadline(TimeSpan timeout)
    {
        if (timeout <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "a positive timeout");
        return MonotonicNs() + timeout.Ticks * 100;
    }

    void ResumeNow()
    {
        ResumeStartedAtNs = MonotonicNs();
        // Real-time for the few detach calls only (best effort): the first thread detached, a busy one say, would
        // otherwise take our CPU and leave the rest stopped until the scheduler came back to us (2.5 ms, measured).
        var tid = GetTid();
        var realTime = SetThreadFifo(tid, 1) == 0;
        try
        {
            _tracees.DetachAll();
        }
        finally
        {
            if (realTime)
            {
                SetThreadOther(tid);
                SetThreadNice(tid, -10);
            }
        }
        Interlocked.Exchange(ref _resumedAtNs, MonotonicNs());
        _tracees.ReleaseRunning();
    }

    void SafeResume()
    {
        // Runs on the tracer thread, which ends right after: an error here must not kill our process, and the
        // kernel releases anything still traced when the thread exits. Resume() reports the error.
        try { ResumeNow(); }
        catch (Exception e) { _resumeError = e; }
    }

}
