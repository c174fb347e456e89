using SideEye.Loader.Privileges;
using SideEye.Loader.Ptrace;
using static SideEye.Loader.Ptrace.PtraceNative;

namespace SideEye.Loader.Pause;

/// <summary>
/// The threads of one target as the tracer thread sees them, and the ptrace state machine behind
/// <see cref="ProcessPause"/>: seize, interrupt, wait, let one run, detach. Used only on the tracer thread.
/// </summary>
internal sealed class TraceeSet(int pid, Tracer tracer, TimeSpan limit)
{
    const long StopGraceNs = 200_000_000;

    /// <summary>
    /// The longest a working tracer thread takes past the pause deadline to let the whole target go: an operation
    /// that runs out of time stops its thread again (<see cref="DeliverSignal"/>, one stop grace), then
    /// <see cref="DetachAll"/> and <see cref="ReleaseRunning"/> wait one stop grace each. Callers of the tracer
    /// thread wait this long past the deadline (plus their own grace) before deciding it is stuck.
    /// </summary>
    public const long ReleaseAllowanceNs = 3 * StopGraceNs;
    /// <summary>How long a thread stopped by a signal (<see cref="StopBySignal"/>) may take before it is interrupted instead.</summary>
    const long SignalStopGraceNs = 2_000_000;

    enum State { AwaitingStop, Stopped, Running, Detached, Gone }

    sealed class Traced
    {
        readonly TraceeSet _owner;
        State _state = State.AwaitingStop;

        public Traced(int tid, TraceeSet owner)
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
        /// <summary>PTRACE_INTERRUPT was sent and its stop not yet seen: continuing the thread leads into that stop first.</summary>
        public bool InterruptPending;
    }

    readonly int _pid = pid;
    readonly Tracer _tracer = tracer;
    readonly TimeSpan _limit = limit;
    readonly Dictionary<int, Traced> _threads = [];
    int _awaiting;
    long _deadlineNs = long.MaxValue;

    /// <summary>
    /// A thread to stop with a signal rather than PTRACE_INTERRUPT: it stops in the signal's delivery-stop, from
    /// which <see cref="DeliverSignal"/> only has to continue it (one round trip less while everything waits).
    /// If the signal is blocked and no stop comes within a short grace, the thread is interrupted after all.
    /// </summary>
    public (int Tid, int Signal)? StopBySignal { get; init; }

    public long FirstInterruptAtNs { get; private set; }
    /// <summary>When the last thread to stop was seen stopped (before the listing that found no more).</summary>
    public long AllStoppedAtNs { get; private set; }

    /// <summary>Threads created while pausing or while one thread ran, held from birth (PTRACE_O_TRACECLONE).</summary>
    public int ThreadsBorn { get; private set; }

    /// <summary>The thread group leader reported its exit: the whole process has gone.</summary>
    public bool ProcessGone { get; private set; }

    /// <summary>
    /// Seizes and interrupts every thread, listing /proc/PID/task again until a listing brings no new thread,
    /// and returns the stopped threads with their registers. <paramref name="firstListing"/>, read earlier (before
    /// an instant waited for, so reading /proc is not between the instant and the first stop), stands for the first
    /// listing; a thread it misses is found by the next, one it names that has gone is skipped.
    /// </summary>
    public IReadOnlyList<PausedThread> StopAll(long deadlineNs, IReadOnlyList<int>? firstListing = null)
    {
        _deadlineNs = deadlineNs;
        for (var listing = 1; ; listing++)
        {
            var listed = listing == 1 && firstListing is { Count: > 0 } earlier ? earlier : ProcStatus.Threads(_pid);
            if (listed.Count == 0) throw Exited();
            // Seize everything new first (that stops nothing), then interrupt in a tight loop: the window in which
            // some threads are stopped and others still run stays as short as possible.
            var tracked = _threads.Count;
            var seized = new List<int>();
            foreach (var tid in listed)
                if (!_threads.ContainsKey(tid) && Seize(tid)) seized.Add(tid);
            if (FirstInterruptAtNs == 0) FirstInterruptAtNs = MonotonicNs();
            // ESRCH: the thread exited after the seize; waitpid reports its exit.
            var signalled = 0;
            foreach (var tid in seized)
            {
                if (StopBySignal is { } by && by.Tid == tid && Tracer.TryTgKill(_pid, tid, by.Signal) == 0) signalled = tid;
                else Interrupt(tid);
            }
            if (signalled != 0 && !WaitForStops(Math.Min(_deadlineNs, MonotonicNs() + SignalStopGraceNs), throwOnTimeout: false)
                && _threads[signalled].State == State.AwaitingStop)
                Interrupt(signalled); // the signal is blocked there: stop it the usual way
            WaitForStops(_deadlineNs, throwOnTimeout: true);
            // The last stop of the last listing that found threads: the later listing that finds none only confirms it.
            if (seized.Count > 0) AllStoppedAtNs = MonotonicNs();
            if (ProcessGone) throw Exited();
            // A listing with no new thread: nothing escaped (one read earlier is always followed by a fresh one).
            if (_threads.Count == tracked && (listing > 1 || firstListing is null)) break;
            if (MonotonicNs() >= _deadlineNs)
                throw new TargetProcessException(_pid, $"could not stop all {_threads.Count} threads within the pause limit of {_limit.TotalMilliseconds:0.####} ms" +
                    (listing > 1 ? $" (new threads kept appearing: {listing} listings)" : ""));
        }
        return StoppedThreads();
    }

    /// <summary>Every stopped thread with its registers, by tid.</summary>
    public IReadOnlyList<PausedThread> StoppedThreads()
    {
        var paused = new List<PausedThread>();
        foreach (var t in _threads.Values.Where(t => t.State == State.Stopped).OrderBy(t => t.Tid))
        {
            var e = _tracer.TryGetRegisters(t.Tid, out var regs);
            if (e == 0) paused.Add(new PausedThread(t.Tid, regs));
            else if (e != ESRCH) throw new TargetProcessException(_pid, $"ptrace(PTRACE_GETREGS) of thread {t.Tid} failed: {Errno.Describe(e)}", e);
            // ESRCH: SIGKILL woke the thread from its stop; it is exiting.
        }
        if (paused.Count == 0) throw Exited();
        return paused;
    }

    TargetProcessException Exited() => new(_pid, "exited during the pause", ESRCH);

    /// <summary>
    /// Called on the tracer thread after each successful PTRACE_SEIZE with the target's pid and the thread's tid:
    /// lets a test act at that exact point (start an execve in the target, say). Null outside tests.
    /// </summary>
    internal static Action<int, int>? SeizedForTests;

    /// <summary>PTRACE_SEIZE one thread. True when newly seized (it still needs PTRACE_INTERRUPT).</summary>
    bool Seize(int tid)
    {
        var e = _tracer.TrySeize(tid, PtraceOptions.TraceClone);
        if (e == 0)
        {
            Track(tid);
            SeizedForTests?.Invoke(_pid, tid);
            return true;
        }
        if (e == ESRCH) return false; // exited before we got to it; if it was the last one the next listing is empty
        if (e == EPERM)
        {
            var status = ProcStatus.Read(_pid, tid);
            // Exiting (ptrace refuses a thread with PF_EXITING): nothing left to stop.
            if (status is null or { HasExited: true } || ProcStatus.IsExiting(_pid, tid)) return false;
            // Auto-attached through PTRACE_O_TRACECLONE before we saw its parent's clone event: it starts stopped.
            if (status.TracerPid == _tracer.TracerTid)
            {
                Track(tid);
                return false;
            }
            throw Denied(tid, status, e);
        }
        throw new TargetProcessException(_pid, $"ptrace(PTRACE_SEIZE) of thread {tid} failed: {Errno.Describe(e)}", e);
    }

    TargetProcessException Denied(int tid, ProcStatus thread, int errno)
    {
        if (thread.HasExited || ProcStatus.Read(_pid) is null or { HasExited: true }) return Exited();
        if (thread.TracerPid != 0)
        {
            var tracerTgid = ProcStatus.Read(thread.TracerPid)?.Tgid ?? thread.TracerPid;
            if (tracerTgid == Environment.ProcessId)
                return new TargetProcessException(_pid, $"thread {tid} is already traced by another pause in this process", errno);
            var comm = ReadComm(tracerTgid);
            return new TargetProcessException(_pid, $"thread {tid} is already traced by process {tracerTgid}{(comm is null ? "" : $" ({comm})")}; a thread has one tracer, so detach that debugger first", errno);
        }
        // A few /proc reads; a refusal usually comes at the first seize, before any thread is stopped.
        return new TargetProcessException(_pid,
            $"not permitted to trace thread {tid} ({Errno.Describe(errno)}): {AccessDenial.Explain(_pid, TargetAccess.Attach)}", errno);
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
                throw new TargetProcessException(_pid,
                    $"{late.Length} thread(s) did not stop within the pause limit of {_limit.TotalMilliseconds:0.####} ms (tids {string.Join(' ', late.Take(8))})");
            }
            OnStatus(tid, status);
        }
        return true;
    }

    void OnStatus(int tid, WaitStatus status)
    {
        var t = Track(tid, out var born); // an unknown tid is a thread auto-attached at birth
        if (born) ThreadsBorn++;
        if (status.Gone)
        {
            t.State = State.Gone;
            // The leader's exit is reported last, once the whole thread group has gone.
            if (tid == _pid) ProcessGone = true;
            return;
        }
        if (!status.Stopped) return;
        t.State = State.Stopped;
        if (status.InterruptOrGroupStop) t.InterruptPending = false;
        if (status.SignalDeliveryStop) t.PendingSignal = status.StopSignal;
        else if (status.CloneStop && _tracer.TryGetEventMessage(tid, out var child) == 0 && child > 0)
        {
            Track((int)child, out var isNew); // starts in a ptrace-stop that waitpid will report
            if (isNew) ThreadsBorn++;
        }
    }

    /// <summary>PTRACE_INTERRUPT, remembering that a stop is owed (a signal-delivery-stop may come before it).</summary>
    int Interrupt(int tid)
    {
        var e = _tracer.TryInterrupt(tid);
        if (e == 0 && _threads.TryGetValue(tid, out var t)) t.InterruptPending = true;
        return e;
    }

    /// <summary>Takes in pending wait reports without blocking; true once the whole process has gone.</summary>
    public bool PollExited()
    {
        while (!ProcessGone && _tracer.TryWaitAny(MonotonicNs(), out var tid, out var status, out _)) OnStatus(tid, status);
        return ProcessGone;
    }

    /// <summary>See <see cref="ProcessPause.DeliverSignal"/>.</summary>
    public SignalDelivery DeliverSignal(int tid, int signal, long deadlineNs)
    {
        var t = StoppedThread(tid);
        if (t.PendingSignal == signal && !t.InterruptPending)
        {
            // Stopped in this signal's delivery-stop already (StopBySignal): continuing delivers it.
            var at = MonotonicNs();
            Continue(t);
            return new SignalDelivery(tid, signal, at, []);
        }
        var e = Tracer.TryTgKill(_pid, tid, signal);
        if (e != 0) throw new TargetProcessException(_pid, $"tgkill of thread {tid} with signal {signal} failed: {Errno.Describe(e)}", e);
        var others = new List<int>();
        Continue(t);
        while (true)
        {
            if (!_tracer.TryWaitAny(deadlineNs, out var reported, out var status, out _))
            {
                StopAgain(t, MonotonicNs() + StopGraceNs);
                throw new TargetProcessException(_pid, $"thread {tid} did not reach the delivery of signal {signal} before the pause limit of {_limit.TotalMilliseconds:0.####} ms ran out");
            }
            OnStatus(reported, status);
            if (reported != tid) continue;
            if (t.State == State.Gone)
                throw new TargetProcessException(_pid, ProcessGone ? "exited while one thread ran to take a signal" : $"thread {tid} exited before signal {signal} was delivered", ESRCH);
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

    /// <summary>See <see cref="ProcessPause.RestopThread"/>.</summary>
    public PausedThread Restop(int tid, long deadlineNs)
    {
        if (!_threads.TryGetValue(tid, out var t) || t.State is State.Gone or State.Detached)
            throw new TargetProcessException(_pid, $"thread {tid} is not part of the pause", ESRCH);
        if (!StopAgain(t, deadlineNs))
            throw new TargetProcessException(_pid, t.State == State.Gone ? $"thread {tid} exited" : $"thread {tid} did not stop again before the pause limit of {_limit.TotalMilliseconds:0.####} ms ran out");
        // Threads it created while it ran were traced from birth: wait for their first stop too.
        WaitForStops(deadlineNs, throwOnTimeout: true);
        var e = _tracer.TryGetRegisters(tid, out var regs);
        if (e != 0) throw new TargetProcessException(_pid, $"ptrace(PTRACE_GETREGS) of thread {tid} failed: {Errno.Describe(e)}", e);
        return new PausedThread(tid, regs);
    }

    Traced StoppedThread(int tid)
    {
        if (!_threads.TryGetValue(tid, out var t) || t.State is State.Gone or State.Detached)
            throw new TargetProcessException(_pid, $"thread {tid} is not part of the pause", ESRCH);
        if (t.State != State.Stopped) throw new InvalidOperationException($"thread {tid} of process {_pid} is not stopped (it is {t.State})");
        return t;
    }

    void Continue(Traced t)
    {
        var e = _tracer.TryContinue(t.Tid, t.PendingSignal);
        // ESRCH on a thread in a ptrace stop: a SIGKILL took it out of the stop, the process is going.
        if (e == ESRCH)
        {
            t.State = State.Gone;
            throw Exited();
        }
        if (e != 0) throw new TargetProcessException(_pid, $"ptrace(PTRACE_CONT) of thread {t.Tid} failed: {Errno.Describe(e)}", e);
        t.PendingSignal = 0;
        t.State = State.Running;
    }

    /// <summary>PTRACE_INTERRUPT a running thread and wait for its stop. True when stopped.</summary>
    bool StopAgain(Traced t, long deadlineNs)
    {
        if (t.State == State.Running)
        {
            if (Interrupt(t.Tid) == ESRCH) { t.State = State.Gone; return false; }
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

    /// <summary>PTRACE_DETACH every stopped thread, passing remembered signals on; threads let run are left to <see cref="ReleaseRunning"/>.</summary>
    public void DetachAll()
    {
        // Threads still on their way into a stop are waited for; threads we let run (DeliverSignal) are not
        // running into anything: ReleaseRunning deals with them once the others run again.
        WaitForStops(MonotonicNs() + StopGraceNs, throwOnTimeout: false);
        DetachStopped();
    }

    /// <summary>
    /// After <see cref="DetachAll"/>: the threads let run are still traced, and PTRACE_DETACH needs a ptrace-stop,
    /// so each is stopped briefly and detached, now that the rest of the process runs again (their stop is no
    /// longer part of the pause). Detaching explicitly rather than leaving it to the tracer thread's exit keeps
    /// the release synchronous: the next pause can seize them at once.
    /// </summary>
    public void ReleaseRunning()
    {
        var running = _threads.Values.Where(t => t.State == State.Running).ToArray();
        if (running.Length == 0) return;
        foreach (var t in running)
        {
            if (Interrupt(t.Tid) == ESRCH) t.State = State.Gone;
            else t.State = State.AwaitingStop;
        }
        WaitForStops(MonotonicNs() + StopGraceNs, throwOnTimeout: false);
        DetachStopped();
    }

    void DetachStopped()
    {
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
    }
}
