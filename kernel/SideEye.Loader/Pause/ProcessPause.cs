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
/// <para>Guarantees: the tracer thread is also the watchdog: at <see cref="MaxPause"/> after the pause was
/// asked for (before the first interrupt, so the bound is conservative) it resumes the target by itself, however the caller behaves (<see cref="ForceResumed"/>).
/// ProcessExit, unhandled exceptions, Ctrl-C, SIGTERM, SIGHUP and SIGQUIT resume active pauses (see
/// PauseExitHooks). If our process is SIGKILLed or crashes,
/// or the tracer thread ends, the kernel detaches the tracees and threads stopped this way run again
/// (unlike SIGSTOP or a cgroup freeze). Minimum kernel 3.4 (PTRACE_SEIZE/INTERRUPT); see <see cref="Tracer"/>
/// for privileges and Yama. Do not pause a child that this process started with System.Diagnostics.Process:
/// .NET's SIGCHLD reaping calls waitpid on its children and could consume the main thread's stop report.</para>
/// <para>Every wait on the tracer thread is bounded. A working tracer thread lets the target go by the pause
/// limit plus a release allowance (the clean-up's stop graces); a caller waits that long plus
/// <see cref="TracerGrace"/>, then gives up: it interrupts the thread (<see cref="Thread.Interrupt"/> ends a
/// managed wait in work given to <see cref="PauseWhile"/>, which then releases the target as at the limit), waits
/// the same allowance and grace once more, and throws a <see cref="TargetProcessException"/> saying what the
/// thread was doing and how many threads of the target it still holds. If it holds some, <see cref="Wedged"/> is
/// raised first. The tracer thread's own steps cannot block for long: waitpid is polled with WNOHANG between
/// bounded sleeps, and ptrace requests return at once, except PTRACE_SEIZE, which sleeps on the target's
/// cred_guard_mutex while the target runs execve. If that exec waits for threads we trace to be reaped, the
/// sleep never ends by itself, and it is restarted after any signal handler (-ERESTARTNOINTR), so neither tgkill
/// nor Thread.Interrupt ends it: a caller that gives up reaps those threads from its own thread (ExitedTracees),
/// which lets the exec and the seize finish. Anything else that keeps the thread (work given to
/// <see cref="PauseWhile"/> blocked in native code, say) leaves the target held: no other thread may detach our
/// tracees, and nothing but SIGKILL (which would kill the target) wakes a thread from a ptrace-stop, so only the
/// tracer thread's return, or the end of this process, releases it: see <see cref="Wedged"/>.</para>
/// </remarks>
public sealed class ProcessPause : IDisposable
{
    sealed class WorkItem(string what, Func<object?> work, bool isResume)
    {
        public readonly ManualResetEventSlim Done = new();
        public readonly string What = what;
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

    /// <summary>Callers give up on a tracer thread that has not answered this long after the time it needs at most.</summary>
    public static readonly TimeSpan DefaultTracerGrace = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Raised when a caller gave up on a pause whose tracer thread stopped answering, could not be interrupted, and
    /// still holds threads of the target, on the caller's thread just before it throws. Those threads stay stopped
    /// (or stop at their next signal) until the tracer thread returns, which then releases them at once, or until
    /// this process exits, when the kernel releases them; nothing else can (see the remarks on
    /// <see cref="ProcessPause"/>). A long-running host, such as an agent that systemd restarts, should log the
    /// reason and exit (<see cref="Environment.Exit(int)"/>, or <see cref="Environment.FailFast(string)"/> if its
    /// exit handlers could hang): a paused production service matters more than the agent's uptime. A host that
    /// keeps running accepts that the target may stay stopped. Not raised for pauses resumed by the exit hooks, as
    /// the process is ending anyway. Handlers run synchronously and should not block.
    /// </summary>
    public static event EventHandler<PauseWedgedEventArgs>? Wedged;

    // Created on, and used only by, the tracer thread.
    TraceeSet _tracees = null!;
    bool _resumeStarted;

    long _deadlineNs;
    volatile int _tracerTid;
    volatile string _activity = "starting";

    readonly object _gate = new();
    readonly Queue<WorkItem> _queue = new();
    readonly Thread _worker;
    readonly ManualResetEventSlim _established = new();
    Exception? _establishError;
    Exception? _resumeError;
    volatile bool _ended;
    volatile bool _forceResumed;
    long _resumedAtNs;

    // Set when a caller gave up on the tracer thread: it then ends the pause as soon as it returns, and the
    // verdict (the reason the first caller gave) is what later callers are told.
    volatile bool _abandoned;
    readonly object _giveUpGate = new();
    string? _verdict;

    // PauseWhile: work the tracer thread runs as soon as every thread is stopped, and its outcome.
    readonly Func<ProcessPause, object?>? _whilePaused;
    object? _whilePausedResult;
    Exception? _whilePausedError;

    readonly (int Tid, int Signal)? _stopBySignal;

    // PauseWhile at an instant: the tracer thread itself waits for it, so nothing is handed between threads after it.
    readonly long _startAtUnixNs;
    readonly CancellationToken _startCancellation;

    ProcessPause(int pid, TimeSpan maxPause, TimeSpan? tracerGrace, Func<ProcessPause, object?>? whilePaused = null, (int Tid, int Signal)? stopBySignal = null,
        long startAtUnixNs = 0, CancellationToken startCancellation = default)
    {
        _startAtUnixNs = startAtUnixNs;
        _startCancellation = startCancellation;
        if (maxPause <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(maxPause), maxPause, "a pause needs a positive limit");
        if (tracerGrace is { } g && g <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(tracerGrace), g, "a positive grace");
        _stopBySignal = stopBySignal;
        Pid = pid;
        MaxPause = maxPause;
        TracerGrace = tracerGrace ?? DefaultTracerGrace;
        _whilePaused = whilePaused;
        _worker = new Thread(Run) { IsBackground = true, Name = $"sideeye-pause-{pid}" };
    }

    public int Pid { get; }

    /// <summary>The longest the target stays stopped: the watchdog resumes it then, unless the tracer thread is stuck (see <see cref="Wedged"/>).</summary>
    public TimeSpan MaxPause { get; }

    /// <summary>
    /// How long past the time a working tracer thread needs at most (the pause limit and the release allowance)
    /// a caller waits for it before giving up on it; see the remarks on <see cref="ProcessPause"/>.
    /// </summary>
    public TimeSpan TracerGrace { get; }

    /// <summary>The kernel thread id of the tracer thread (the TracerPid /proc shows for the stopped threads); 0 before it runs.</summary>
    public int TracerTid => _tracerTid;

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
    /// within <paramref name="maxPause"/>, or exits meanwhile; nothing stays stopped then. It also throws when the
    /// tracer thread stops answering (see <see cref="TracerGrace"/>); the message then says whether the target is held.
    /// </summary>
    /// <param name="tracerGrace">See <see cref="TracerGrace"/>; <see cref="DefaultTracerGrace"/> when null.</param>
    public static ProcessPause Pause(int pid, TimeSpan maxPause, TimeSpan? tracerGrace = null)
    {
        var pause = new ProcessPause(pid, maxPause, tracerGrace);
        CheckTarget(pid);
        pause.Start();
        pause.AwaitTracer(pause._established, "stop the target");
        if (pause._establishError is { } error)
        {
            pause.AwaitTracerEnd("stop the target");
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
    /// <param name="tracerGrace">See <see cref="TracerGrace"/>: work that overruns the pause limit by more than the
    /// release allowance and this grace is given up on (interrupted if it waits on something managed).</param>
    /// <param name="startAtUnixNs">When not 0, the tracer thread first waits for CLOCK_REALTIME to reach this instant
    /// (<see cref="StartInstant"/>), then stops the target: no thread is started or woken between the instant and the
    /// first stop. The pause limit counts from the instant. <paramref name="startCancellation"/> ends the wait (the
    /// call then throws <see cref="OperationCanceledException"/>; nothing was stopped).</param>
    public static (T Result, ProcessPause Pause) PauseWhile<T>(int pid, TimeSpan maxPause, Func<ProcessPause, T> work, (int Tid, int Signal)? signalThread = null,
        TimeSpan? tracerGrace = null, long startAtUnixNs = 0, CancellationToken startCancellation = default)
    {
        var pause = new ProcessPause(pid, maxPause, tracerGrace, p => work(p), signalThread, startAtUnixNs, startCancellation);
        CheckTarget(pid);
        pause.Start();
        pause.AwaitTracer(pause._established, "stop the target, run the work and resume");
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

    /// <summary>
    /// Detaches every thread (passing on remembered signals). Idempotent; returns once the tracer thread has ended,
    /// or throws <see cref="TargetProcessException"/> when it does not answer within its bound (see
    /// <see cref="TracerGrace"/>). After a caller has given up on the tracer thread, returns at once: that caller
    /// was told, and the thread releases the target as soon as it returns. Work running on the tracer thread
    /// (<see cref="PauseWhile"/>) may call it to end the pause early.
    /// </summary>
    public void Resume() => Resume(exiting: false);

    /// <summary>For the exit hooks: as <see cref="Resume()"/>, without raising <see cref="Wedged"/> in a process that is ending anyway.</summary>
    internal void ResumeOnExit() => Resume(exiting: true);

    void Resume(bool exiting)
    {
        if (Thread.CurrentThread == _worker)
        {
            // Nobody else serves the queue while this thread runs work: resume here. The kernel allows it, as this is the tracer.
            SafeResume();
            MarkEnded();
            ThrowResumeError();
            return;
        }
        WorkItem? item = null;
        lock (_gate)
        {
            if (_abandoned) return;
            if (!_ended)
            {
                item = new WorkItem("resume the target", () => { ResumeNow(); return null; }, isResume: true);
                _queue.Enqueue(item);
                Monitor.Pulse(_gate);
            }
        }
        if (_worker.ThreadState != ThreadState.Unstarted)
        {
            if (item is not null) AwaitTracer(item.Done, "resume the target", exiting);
            // When the tracer thread exits the kernel drops whatever it still traces, so joining completes the guarantee.
            AwaitTracerEnd("resume the target", exiting);
        }
        PauseExitHooks.Remove(this);
        ThrowResumeError();
    }

    void ThrowResumeError()
    {
        // Reported once, by the first call after the failure; the next Resume or Dispose has nothing left to do.
        if (Interlocked.Exchange(ref _resumeError, null) is { } e)
            throw new TargetProcessException(Pid, $"resuming failed ({e.Message}); the kernel released the threads when the tracer thread ended", inner: e);
    }

    public void Dispose() => Resume();

    public override string ToString() =>
        $"pause of {Pid}: {Threads.Count} threads, stopped in {StopLatencyNs / 1000.0:F0} µs, registers read by {(EstablishedAtNs - PausedAtNs) / 1000.0:F0} µs, " +
        $"resume began at {(ResumeStartedAtNs - PausedAtNs) / 1000.0:F0} µs, held {PauseDurationNs / 1000.0:F0} µs{(ForceResumed ? ", force-resumed" : "")}";

    // ---- waiting for the tracer thread ----

    void Start()
    {
        // Set before the thread starts, so callers and the watchdog share one deadline; the pause begins later.
        _deadlineNs = (_startAtUnixNs > 0 ? StartInstant.MonotonicAt(_startAtUnixNs) : MonotonicNs()) + MaxPause.Ticks * 100;
        PauseExitHooks.Add(this);
        _worker.Start();
    }

    /// <summary>By then a working tracer thread has let the target go, whatever it was asked; past it, callers give up.</summary>
    long AnswerByNs => _deadlineNs + TraceeSet.ReleaseAllowanceNs + TracerGrace.Ticks * 100;

    static bool WaitUntil(long untilNs, Func<TimeSpan, bool> wait) =>
        wait(TimeSpan.FromTicks(Math.Max(0, (untilNs - MonotonicNs()) / 100)));

    void AwaitTracer(ManualResetEventSlim answered, string waitingTo, bool exiting = false)
    {
        if (!WaitUntil(AnswerByNs, answered.Wait)) throw GiveUp(waitingTo, exiting);
    }

    void AwaitTracerEnd(string waitingTo, bool exiting = false)
    {
        if (Thread.CurrentThread != _worker && !WaitUntil(AnswerByNs, _worker.Join)) throw GiveUp(waitingTo, exiting);
    }

    /// <summary>
    /// The tracer thread did not answer in time. The first caller to get here interrupts it, waits once more, reads
    /// from /proc what it still holds, raises <see cref="Wedged"/> if it holds anything, and records the verdict;
    /// every caller gets it in the exception it throws.
    /// </summary>
    TargetProcessException GiveUp(string waitingTo, bool exiting)
    {
        PauseWedgedEventArgs? wedged = null;
        lock (_giveUpGate)
        {
            if (_verdict is null)
            {
                lock (_gate)
                {
                    _abandoned = true;
                    Monitor.PulseAll(_gate);
                }
                PauseExitHooks.Remove(this);
                var activity = _activity;
                var waited = $"did not answer within the pause limit of {Ms(MaxPause)} ms, {TraceeSet.ReleaseAllowanceNs / 1_000_000} ms to release and a grace of {Ms(TracerGrace)} ms, while {activity}";
                // Ends a managed wait (a lock, an event, Sleep) in the work it runs; in the kernel or native code it has no effect.
                _worker.Interrupt();
                var tid = _tracerTid;
                var (reaped, ended) = (0, false);
                for (var until = MonotonicNs() + TraceeSet.ReleaseAllowanceNs + TracerGrace.Ticks * 100; !ended && MonotonicNs() < until;)
                {
                    // Stuck in PTRACE_SEIZE behind an execve that waits for exited threads we trace: reaping them frees it.
                    reaped += ExitedTracees.Reap(Pid, tid);
                    ended = WaitUntil(Math.Min(until, MonotonicNs() + 10_000_000), _worker.Join);
                }
                var (held, stopped) = ProcStatus.TracedBy(Pid, tid);
                var who = tid == 0 ? "the pause's tracer thread (which never ran)" : $"the pause's tracer thread {tid}";
                var freed = reaped == 0 ? "interrupted" : $"interrupted, and with {reaped} exited thread(s) of the target reaped for it (an execve there waits for them)";
                if (ended)
                    _verdict = $"{who} {waited}; {freed}, it released the target and ended";
                else if (held == 0)
                    _verdict = $"{who} {waited}, and is still stuck after an interrupt; it holds no thread of the target";
                else
                {
                    _verdict = $"{who} {waited}, and is still stuck after an interrupt (in the kernel or native code); " +
                        $"it holds {held} thread(s) of the target, {stopped} of them stopped, until it returns (it then releases them) or this process exits";
                    if (!exiting)
                    {
                        _verdict += "; ProcessPause.Wedged was raised";
                        wedged = new PauseWedgedEventArgs(Pid, tid, activity, held, stopped, _verdict);
                    }
                }
            }
        }
        if (wedged is not null) Wedged?.Invoke(this, wedged);
        return new TargetProcessException(Pid, $"gave up waiting to {waitingTo}: {_verdict}", inner: _whilePausedError ?? _establishError);
    }

    static string Ms(TimeSpan t) => t.TotalMilliseconds.ToString("0.####", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// Runs <paramref name="work"/> on the tracer thread as every operation does, waiting as boundedly. For tests
    /// that need a tracer thread stuck in something of their choosing.
    /// </summary>
    internal T OnTracerThread<T>(string what, Func<T> work) => Invoke(work, what);

    // ---- the tracer thread ----

    void Run()
    {
        try
        {
            var tracer = new Tracer();
            _tracerTid = tracer.TracerTid;
            // Best effort (needs CAP_SYS_NICE; harmless without): while the target waits on us, threads we wake
            // must not crowd out the tracer thread, or the pause lasts longer. Not a real-time priority: a woken
            // real-time thread stays queued on its CPU behind a target thread running a long BPF program there
            // (kernel code, not preempted), where an ordinary thread is placed on an idle CPU. Measured both ways.
            SetThreadNice(tracer.TracerTid, -10);
            _tracees = new TraceeSet(Pid, tracer, MaxPause) { StopBySignal = _stopBySignal };
            try
            {
                IReadOnlyList<int>? listed = null;
                if (_startAtUnixNs > 0)
                {
                    _activity = "waiting for the instant to stop the target at";
                    listed = ProcStatus.Threads(Pid);
                    StartInstant.WaitUntil(_startAtUnixNs, _startCancellation);
                }
                _activity = "stopping the target";
                Threads = _tracees.StopAll(_deadlineNs, listed);
                PausedAtNs = _tracees.FirstInterruptAtNs;
                StoppedAtNs = _tracees.AllStoppedAtNs;
                EstablishedAtNs = MonotonicNs();
            }
            catch (Exception e)
            {
                _establishError = e;
                return;
            }
            if (_whilePaused is not null)
            {
                // A caller that gave up while the target was being stopped is gone: nobody wants the work done.
                if (_abandoned) return;
                _activity = "running the work given to PauseWhile";
                try { _whilePausedResult = _whilePaused(this); }
                catch (Exception e) { _whilePausedError = e; }
                return;
            }
            _established.Set();
            Serve();
        }
        catch (ThreadInterruptedException)
        {
            // Only a caller that gave up interrupts us, to have the target released now: End does that.
        }
        finally
        {
            End();
        }
    }

    /// <summary>The tracer thread's last steps: release the target (unless done), refuse further requests, wake the caller.</summary>
    void End()
    {
        while (true)
        {
            try
            {
                SafeResume();
                MarkEnded();
                _established.Set();
                return;
            }
            catch (ThreadInterruptedException)
            {
                // An interrupt from a caller that gave up, still pending, fires at the first lock we wait for.
                // It asked for what we are doing anyway; every step above is safe to repeat.
            }
        }
    }

    void Serve()
    {
        while (!_ended)
        {
            _activity = "waiting for requests";
            WorkItem? item;
            lock (_gate)
            {
                while (_queue.Count == 0 && !_abandoned)
                {
                    var remainingNs = _deadlineNs - MonotonicNs();
                    if (remainingNs <= 0) break;
                    Monitor.Wait(_gate, TimeSpan.FromTicks(Math.Max(1, (remainingNs + 99) / 100)));
                }
                item = _queue.Count > 0 ? _queue.Dequeue() : null;
            }
            if (item is null || (!item.IsResume && (_abandoned || MonotonicNs() >= _deadlineNs)))
            {
                _forceResumed = true;
                SafeResume();
                item?.Fail(Ended());
                break;
            }
            _activity = item.IsResume ? "resuming the target" : $"handling a request to {item.What}";
            item.Run();
            if (item.IsResume) break;
        }
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

    TargetProcessException Ended() => new(Pid,
        _verdict is { } verdict ? $"the pause was given up: {verdict}"
        : _forceResumed ? $"the pause was force-resumed when its limit of {Ms(MaxPause)} ms elapsed"
        : TargetExited ? "exited during the pause" : "the pause has ended");

    T Invoke<T>(Func<T> work, string what)
    {
        if (Thread.CurrentThread == _worker) return work();
        var item = new WorkItem(what, () => work(), isResume: false);
        lock (_gate)
        {
            if (_ended || _abandoned) throw new TargetProcessException(Pid, $"cannot {what}: {Ended().Reason}");
            _queue.Enqueue(item);
            Monitor.Pulse(_gate);
        }
        // Every operation on the tracer thread is bounded by its timeout and the pause limit; the wait is bounded anyway.
        AwaitTracer(item.Done, what);
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
        // Once: End, and work that resumed early (Resume on this thread), come back here.
        if (_resumeStarted) return;
        _resumeStarted = true;
        _activity = "resuming the target";
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
        if (_tracees is null) return;
        try { ResumeNow(); }
        catch (Exception e) { _resumeError = e; }
    }
}
