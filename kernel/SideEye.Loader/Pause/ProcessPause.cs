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
/// <para>Guarantees: the tracer thread is also the watchdog: at <see cref="MaxPause"/> after the first
/// interrupt it resumes the target by itself, however the caller behaves (<see cref="ForceResumed"/>).
/// ProcessExit, Ctrl-C and unhandled exceptions resume active pauses. If our process is SIGKILLed or crashes,
/// or the tracer thread ends, the kernel detaches the tracees and threads stopped this way run again
/// (unlike SIGSTOP or a cgroup freeze). Minimum kernel 3.4 (PTRACE_SEIZE/INTERRUPT); see <see cref="Tracer"/>
/// for privileges and Yama. Do not pause a child that this process started with System.Diagnostics.Process:
/// .NET's SIGCHLD reaping calls waitpid on its children and could consume the main thread's stop report.</para>
/// </remarks>
public sealed class ProcessPause : IDisposable
{
    const long StopGraceNs = 200_000_000;

    enum State { AwaitingStop, Stopped, Running, Detached, Gone }

    sealed class Traced
    {
        readonly ProcessPause _owner;
        State _state = State.AwaitingStop;

        public Traced(int tid, ProcessPause owner)
        {
            Tid = tid;
            _owner = owner;
            owner._awaiting++;
        }

        public int Tid { get; }

        /// <summary>Keeps <see cref="_awaiting"/> current, so waiting for n threads costs O(n), not O(n²).</summary>
        public State State
        {
            get => _state;
            set
            {
                if (_state == State.AwaitingStop) _owner._awaiting--;
                if (value == State.AwaitingStop) _owner._awaiting++;
                _state = value;
            }
        }
        /// <summary>A signal the thread was about to receive when it stopped: passed on at continue or detach.</summary>
        public int PendingSignal;
    }

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

    // Owned by the tracer thread only.
    readonly Dictionary<int, Traced> _threads = [];
    int _awaiting;
    volatile int _threadsBorn;
    Tracer _tracer = null!;
    long _deadlineNs;

    readonly object _gate = new();
    readonly Queue<WorkItem> _queue = new();
    readonly Thread _worker;
    readonly ManualResetEventSlim _established = new();
    Exception? _establishError;
    Exception? _resumeError;
    volatile bool _ended;
    volatile bool _forceResumed;
    volatile bool _processGone;
    long _resumedAtNs;

    ProcessPause(int pid, TimeSpan maxPause)
    {
        Pid = pid;
        MaxPause = maxPause;
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
    public int ThreadsBornDuringPause => _threadsBorn;

    /// <summary>The watchdog resumed the target because <see cref="MaxPause"/> elapsed before <see cref="Resume"/>.</summary>
    public bool ForceResumed => _forceResumed;

    /// <summary>The target exited (for example it was SIGKILLed) while paused.</summary>
    public bool TargetExited => _processGone;

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
        // Establishing is bounded by maxPause and its clean-up by StopGraceNs; the margin only guards against a bug.
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
        Invoke(() => DeliverSignalNow(tid, signal, Deadline(timeout)), $"deliver signal {signal} to thread {tid}");

    /// <summary>Stops a thread let run by <see cref="DeliverSignal"/> again; returns its registers now.</summary>
    public PausedThread RestopThread(int tid, TimeSpan timeout) =>
        Invoke(() => RestopNow(tid, Deadline(timeout)), $"stop thread {tid}");

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
        if (_resumeError is { } e) throw new TargetProcessException(Pid, $"resuming failed ({e.Message}); the kernel released the threads when the tracer thread ended", inner: e);
    }

    public void Dispose() => Resume();

    public override string ToString() =>
        $"pause of {Pid}: {Threads.Count} threads, stopped in {StopLatencyNs / 1000.0:F0} µs, registers read by {(EstablishedAtNs - PausedAtNs) / 1000.0:F0} µs, " +
        $"resume began at {(ResumeStartedAtNs - PausedAtNs) / 1000.0:F0} µs, held {PauseDurationNs / 1000.0:F0} µs{(ForceResumed ? ", force-resumed" : "")}";

    // ---- the tracer thread ----

    void Run()
    {
        _tracer = new Tracer();
        // Best effort (needs CAP_SYS_NICE; harmless without): while the target waits on us, threads we wake
        // must not crowd out the tracer thread, or the pause lasts longer.
        SetThreadNice(_tracer.TracerTid, -10);
        try
        {
            Establish();
        }
        catch (Exception e)
        {
            _establishError = e;
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
        ? $"the pause was force-resumed when its limit of {MaxPause.TotalMilliseconds:0.###} ms elapsed"
        : _processGone ? "exited during the pause" : "the pause has ended");

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

    void Establish()
    {
        _deadlineNs = MonotonicNs() + MaxPause.Ticks * 100;
        while (true)
        {
            var listed = ProcStatus.Threads(Pid);
            if (listed.Count == 0) throw Exited();
            // Seize everything new first (that stops nothing), then interrupt in a tight loop: the window in which
            // some threads are stopped and others still run stays as short as possible.
            var tracked = _threads.Count;
            var seized = new List<int>();
            foreach (var tid in listed)
                if (!_threads.ContainsKey(tid) && Seize(tid)) seized.Add(tid);
            if (PausedAtNs == 0) PausedAtNs = MonotonicNs();
            // ESRCH: the thread exited after the seize; waitpid reports its exit.
            foreach (var tid in seized) _tracer.TryInterrupt(tid);
            WaitForStops(_deadlineNs, throwOnTimeout: true);
            if (_processGone) throw Exited();
            if (_threads.Count == tracked) break; // a listing with no new thread: nothing escaped
            if (MonotonicNs() >= _deadlineNs)
                throw new TargetProcessException(Pid, $"threads kept appearing for the pause limit of {MaxPause.TotalMilliseconds:0.###} ms");
        }
        StoppedAtNs = MonotonicNs();

        var paused = new List<PausedThread>();
        foreach (var t in _threads.Values.Where(t => t.State == State.Stopped).OrderBy(t => t.Tid))
        {
            var e = _tracer.TryGetRegisters(t.Tid, out var regs);
            if (e == 0) paused.Add(new PausedThread(t.Tid, regs));
            else if (e != ESRCH) throw new TargetProcessException(Pid, $"ptrace(PTRACE_GETREGS) of thread {t.Tid} failed: {Errno.Describe(e)}", e);
            // ESRCH: SIGKILL woke the thread from its stop; it is exiting.
        }
        if (paused.Count == 0) throw Exited();
        Threads = paused;
        EstablishedAtNs = MonotonicNs();
    }

    TargetProcessException Exited() => new(Pid, "exited during the pause", ESRCH);

    /// <summary>PTRACE_SEIZE one thread. True when newly seized (it still needs PTRACE_INTERRUPT).</summary>
    bool Seize(int tid)
    {
        var e = _tracer.TrySeize(tid, PtraceOptions.TraceClone);
        if (e == 0)
        {
            Track(tid);
            return true;
        }
        if (e == ESRCH) return false; // exited before we got to it; if it was the last one the next listing is empty
        if (e == EPERM)
        {
            var status = ProcStatus.Read(Pid, tid);
            // Exiting (ptrace refuses a thread with PF_EXITING): nothing left to stop.
            if (status is null or { HasExited: true } || ProcStatus.IsExiting(Pid, tid)) return false;
            // Auto-attached through PTRACE_O_TRACECLONE before we saw its parent's clone event: it starts stopped.
            if (status.TracerPid == _tracer.TracerTid)
            {
                Track(tid);
                return false;
            }
            throw Denied(tid, status, e);
        }
        throw new TargetProcessException(Pid, $"ptrace(PTRACE_SEIZE) of thread {tid} failed: {Errno.Describe(e)}", e);
    }

    TargetProcessException Denied(int tid, ProcStatus thread, int errno)
    {
        if (thread.HasExited || ProcStatus.Read(Pid) is null or { HasExited: true }) return Exited();
        if (thread.TracerPid != 0)
        {
            var tracerTgid = ProcStatus.Read(thread.TracerPid)?.Tgid ?? thread.TracerPid;
            if (tracerTgid == Environment.ProcessId)
                return new TargetProcessException(Pid, $"thread {tid} is already traced by another pause in this process", errno);
            var comm = ReadComm(tracerTgid);
            return new TargetProcessException(Pid, $"thread {tid} is already traced by process {tracerTgid}{(comm is null ? "" : $" ({comm})")}; a thread has one tracer, so detach that debugger first", errno);
        }
        var scope = ProcStatus.YamaPtraceScope();
        return new TargetProcessException(Pid,
            $"not permitted to trace thread {tid} ({Errno.Describe(errno)}): needs CAP_SYS_PTRACE over the target" +
            (scope is { } s and > 0 ? $", and kernel.yama.ptrace_scope={s} restricts ptrace" : ""), errno);
    }

    static string? ReadComm(int pid)
    {
        try { return File.ReadAllText($"/proc/{pid}/comm").Trim(); }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or IOException) { return null; }
    }

    Traced Track(int tid) => Track(tid, out _);

    Traced Track(int tid, out bool isNew)
    {
        isNew = !_threads.TryGetValue(tid, out var t);
        if (isNew) _threads.Add(tid, t = new Traced(tid, this));
        return t!;
    }

    /// <summary>Waits until no thread awaits its stop. False (or a throw) at the deadline.</summary>
    bool WaitForStops(long deadlineNs, bool throwOnTimeout)
    {
        while (_awaiting > 0)
        {
            if (!_tracer.TryWaitAny(deadlineNs, out var tid, out var status, out var errno))
            {
                if (errno == ECHILD)
                {
                    // Nothing is traced by this thread any more: they all exited.
                    foreach (var t in _threads.Values.Where(t => t.State == State.AwaitingStop).ToArray()) t.State = State.Gone;
                    return true;
                }
                if (!throwOnTimeout) return false;
                var late = _threads.Values.Where(t => t.State == State.AwaitingStop).Select(t => t.Tid).ToArray();
                throw new TargetProcessException(Pid,
                    $"{late.Length} thread(s) did not stop within the pause limit of {MaxPause.TotalMilliseconds:0.###} ms (tids {string.Join(' ', late.Take(8))})");
            }
            OnStatus(tid, status);
        }
        return true;
    }

    void OnStatus(int tid, WaitStatus status)
    {
        var t = Track(tid, out var born); // an unknown tid is a thread auto-attached at birth
        if (born) _threadsBorn++;
        if (status.Gone)
        {
            t.State = State.Gone;
            // The leader's exit is reported last, once the whole thread group has gone.
            if (tid == Pid) _processGone = true;
            return;
        }
        if (!status.Stopped) return;
        t.State = State.Stopped;
        if (status.SignalDeliveryStop) t.PendingSignal = status.StopSignal;
        else if (status.CloneStop && _tracer.TryGetEventMessage(tid, out var child) == 0 && child > 0)
        {
            Track((int)child, out var isNew); // starts in a ptrace-stop that waitpid will report
            if (isNew) _threadsBorn++;
        }
    }

    SignalDelivery DeliverSignalNow(int tid, int signal, long deadlineNs)
    {
        deadlineNs = Math.Min(deadlineNs, _deadlineNs);
        var t = StoppedThread(tid);
        var e = Tracer.TryTgKill(Pid, tid, signal);
        if (e != 0) throw new TargetProcessException(Pid, $"tgkill of thread {tid} with signal {signal} failed: {Errno.Describe(e)}", e);
        var others = new List<int>();
        Continue(t);
        while (true)
        {
            if (!_tracer.TryWaitAny(deadlineNs, out var reported, out var status, out _))
            {
                StopAgain(t, MonotonicNs() + StopGraceNs);
                throw new TargetProcessException(Pid, $"thread {tid} did not reach the delivery of signal {signal} in time");
            }
            OnStatus(reported, status);
            if (reported != tid) continue;
            if (t.State == State.Gone)
                throw new TargetProcessException(Pid, _processGone ? "exited while one thread ran to take a signal" : $"thread {tid} exited before signal {signal} was delivered", ESRCH);
            if (status.SignalDeliveryStop && status.StopSignal == signal)
            {
                var at = MonotonicNs();
                Continue(t); // passes the signal: the handler runs now
                return new SignalDelivery(tid, signal, at, others);
            }
            if (status.SignalDeliveryStop) others.Add(status.StopSignal);
            // Another signal first, a clone event, or the interrupt still pending from the pause: carry on.
            Continue(t);
        }
    }

    PausedThread RestopNow(int tid, long deadlineNs)
    {
        deadlineNs = Math.Min(deadlineNs, _deadlineNs);
        if (!_threads.TryGetValue(tid, out var t) || t.State is State.Gone or State.Detached)
            throw new TargetProcessException(Pid, $"thread {tid} is not part of the pause", ESRCH);
        if (!StopAgain(t, deadlineNs))
            throw new TargetProcessException(Pid, t.State == State.Gone ? $"thread {tid} exited" : $"thread {tid} did not stop in time");
        var e = _tracer.TryGetRegisters(tid, out var regs);
        if (e != 0) throw new TargetProcessException(Pid, $"ptrace(PTRACE_GETREGS) of thread {tid} failed: {Errno.Describe(e)}", e);
        return new PausedThread(tid, regs);
    }

    Traced StoppedThread(int tid)
    {
        if (!_threads.TryGetValue(tid, out var t) || t.State is State.Gone or State.Detached)
            throw new TargetProcessException(Pid, $"thread {tid} is not part of the pause", ESRCH);
        if (t.State != State.Stopped) throw new InvalidOperationException($"thread {tid} of process {Pid} is not stopped (it is {t.State})");
        return t;
    }

    void Continue(Traced t)
    {
        var e = _tracer.TryContinue(t.Tid, t.PendingSignal);
        if (e != 0) throw new TargetProcessException(Pid, $"ptrace(PTRACE_CONT) of thread {t.Tid} failed: {Errno.Describe(e)}", e);
        t.PendingSignal = 0;
        t.State = State.Running;
    }

    /// <summary>PTRACE_INTERRUPT a running thread and wait for its stop. True when stopped.</summary>
    bool StopAgain(Traced t, long deadlineNs)
    {
        if (t.State == State.Running)
        {
            if (_tracer.TryInterrupt(t.Tid) == ESRCH) { t.State = State.Gone; return false; }
            t.State = State.AwaitingStop;
        }
        while (t.State == State.AwaitingStop)
        {
            if (!_tracer.TryWaitAny(deadlineNs, out var reported, out var status, out var errno))
            {
                if (errno == ECHILD) t.State = State.Gone;
                return false;
            }
            OnStatus(reported, status);
        }
        return t.State == State.Stopped;
    }

    void SafeResume()
    {
        // Runs on the tracer thread, which ends right after: an error here must not kill our process, and the
        // kernel releases anything still traced when the thread exits. Resume() reports the error.
        try { ResumeNow(); }
        catch (Exception e) { _resumeError = e; }
    }

    void ResumeNow()
    {
        ResumeStartedAtNs = MonotonicNs();
        var graceNs = MonotonicNs() + StopGraceNs;
        // PTRACE_DETACH needs a ptrace-stop: stop threads we let run, wait for those still stopping.
        foreach (var t in _threads.Values.Where(t => t.State == State.Running).ToArray())
        {
            if (_tracer.TryInterrupt(t.Tid) == ESRCH) t.State = State.Gone;
            else t.State = State.AwaitingStop;
        }
        WaitForStops(graceNs, throwOnTimeout: false);
        while (true)
        {
            foreach (var t in _threads.Values.Where(t => t.State == State.Stopped).ToArray())
            {
                var e = _tracer.TryDetach(t.Tid, t.PendingSignal);
                t.State = e == 0 ? State.Detached : State.Gone; // ESRCH: killed while stopped
            }
            // Stragglers: exit reports and threads born while one thread ran.
            if (!_tracer.TryWaitAny(MonotonicNs(), out var tid, out var status, out _)) break;
            OnStatus(tid, status);
        }
        Interlocked.Exchange(ref _resumedAtNs, MonotonicNs());
    }
}
