using System.Buffers.Binary;
using SideEye.Bpf;
using SideEye.Bpf.Links;
using SideEye.Bpf.RingBuf;
using SideEye.Loader.Contract;
using SideEye.Loader.Pause;

namespace SideEye.Loader.Run;

/// <summary>
/// The privileged half of a snapshot: a <see cref="SnapshotJob"/> loaded into the kernel and attached to its
/// process, ready to run any number of times. <see cref="Run"/> stops every thread (<see cref="ProcessPause"/>),
/// writes their registers into the thread-registers map, arms the program, lets the trigger thread take the
/// trigger signal (the program runs in its signal handler, in the target's own context), waits for the
/// completion record and resumes the others (the trigger thread simply runs on); the records are copied out only then, so
/// the copy is not part of the pause. Knows nothing of Go: the job says what to load and how to talk to it.
/// Loading (maps, verifier, uprobe) happens before any pause, so the verifier's time is never the target's.
/// Disposing closes every kernel object, link first.
/// </summary>
public sealed class SnapshotRunner : IDisposable
{
    readonly Dictionary<string, BpfMap> _maps = new(StringComparer.Ordinal);
    BpfProgram? _program;
    RingBufReader? _reader;
    UprobeLink? _link;
    ulong _generation;

    public SnapshotJob Job { get; }
    /// <summary>What the verifier spent on the job's program: the margin to its limit (see <see cref="VerifierStats"/>).</summary>
    public VerifierStats? VerifierStats => _program?.Stats;
    /// <summary>Time to create the maps, verify the program and attach it.</summary>
    public TimeSpan LoadTime { get; private set; }

    SnapshotRunner(SnapshotJob job) => Job = job;

    /// <summary>Creates the job's maps, writes their entries, loads the program and attaches its uprobe.</summary>
    public static SnapshotRunner Load(SnapshotJob job)
    {
        PauseCodeWarmup.Run();
        var runner = new SnapshotRunner(job);
        try
        {
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            runner.LoadObjects();
            runner.LoadTime = System.Diagnostics.Stopwatch.GetElapsedTime(started);
            return runner;
        }
        catch
        {
            runner.Dispose();
            throw;
        }
    }

    void LoadObjects()
    {
        var protocol = Job.Protocol;
        foreach (var feature in Job.RequiredFeatures) Bpf.Features.KernelFeatures.Require(feature);
        foreach (var spec in Job.Maps) _maps[spec.Name] = BpfMap.Load(spec);
        foreach (var name in new[] { protocol.ControlMap, protocol.ThreadRegistersMap, protocol.EventsMap })
            if (!_maps.ContainsKey(name)) throw new ArgumentException($"the job's protocol names map '{name}', which the job does not define", nameof(Job));
        foreach (var entry in Job.MapEntries)
        {
            if (!_maps.TryGetValue(entry.Map, out var map)) throw new ArgumentException($"a map entry names map '{entry.Map}', which the job does not define", nameof(Job));
            map.Update(entry.Key, entry.Value);
        }
        _program = BpfProgram.Load(Job.Program, _maps);
        _reader = RingBufReader.Open(_maps[protocol.EventsMap]);
        _link = UprobeLink.Attach(_program, Job.Trigger.BinaryPath, Job.Trigger.FileOffset, pid: Job.TriggerTid);
        Rehearse();
        RehearsePause();
    }

    /// <summary>
    /// Takes, once and with nothing paused, the steps a run takes while the target is stopped (map writes with
    /// these generic instantiations, the ring buffer scan and wait), so their first-call costs are paid here.
    /// </summary>
    void Rehearse()
    {
        var registers = _maps[Job.Protocol.ThreadRegistersMap];
        registers.Update(0u, new ThreadRegisters(0, 0, 0));
        ClearThreadRegisters(registers);
        _maps[Job.Protocol.ControlMap].Update(0u, 0UL);
        _reader!.Find(r => IsCompletion(r, 0));
        _reader.WaitForWakeup(TimeSpan.Zero);
        _ = Now();
    }

    /// <summary>A map of the loaded job, for diagnostics (e.g. counters the program keeps).</summary>
    public BpfMap Map(string name)
    {
        ObjectDisposedException.ThrowIf(_reader is null, this);
        return _maps.TryGetValue(name, out var map) ? map : throw new ArgumentException($"the job has no map '{name}'", nameof(name));
    }

    /// <summary>Consumes and discards whatever records are waiting (e.g. the tail of a run that timed out); returns how many.</summary>
    public int DiscardPending()
    {
        ObjectDisposedException.ThrowIf(_reader is null, this);
        return _reader.ReadAvailable(static _ => { });
    }

    /// <summary>
    /// One snapshot: pause, feed registers, arm, trigger, wait for completion, resume, collect. Throws
    /// <see cref="TargetProcessException"/> when the process cannot be paused (gone, not traceable, exits); the
    /// target is never left stopped. <see cref="SnapshotJob.MaxPause"/> bounds every step; a probe already running
    /// in the target's thread (kernel code, bounded by its own loop limits) finishes first. Cancelling
    /// <paramref name="cancellation"/> (a remote client gone) stops waiting for the probe and resumes the target at
    /// once; the run then throws <see cref="OperationCanceledException"/>, after the target runs again. With
    /// <paramref name="startAtUnixNs"/>, the steps that need no pause are taken first and the pause begins when
    /// CLOCK_REALTIME reaches that instant, as the pause's own tracer thread sees it (<see cref="StartInstant"/>; at once if it has passed).
    /// </summary>
    public RawSnapshot Run(CancellationToken cancellation = default, long startAtUnixNs = 0)
    {
        ObjectDisposedException.ThrowIf(_reader is null, this);
        var protocol = Job.Protocol;
        DiscardPending();
        ClearThreadRegisters(_maps[protocol.ThreadRegistersMap]);
        var generation = ++_generation;
        cancellation.ThrowIfCancellationRequested();
        var (steps, pause) = ProcessPause.PauseWhile(Job.Pid, Job.MaxPause, p => PausedSteps(p, Job.TriggerTid, generation, cancellation),
            signalThread: (Job.TriggerTid, protocol.TriggerSignal), startAtUnixNs: startAtUnixNs, startCancellation: cancellation);
        if (!steps.Completed) cancellation.ThrowIfCancellationRequested();
        var records = _reader.ReadAll();
        var timings = new PauseTimings(pause.PauseDurationNs, pause.EstablishedAtNs - pause.PausedAtNs, steps.ArmedAt - pause.EstablishedAtNs,
            steps.TriggeredAt - steps.ArmedAt, steps.FinishedAt - steps.TriggeredAt, pause.ResumedAtNs - steps.FinishedAt, steps.TriggeredAt, steps.FinishedAt, pause.StoppedAtNs);
        return new RawSnapshot(Job.Pid, records, steps.Completed && EndsWithCompletion(records, generation), steps.Threads, timings, Job.MaxPause);
    }

    /// <summary>
    /// What a run does while the target is stopped, on the pause's tracer thread, so no hand-off between our
    /// threads adds to the pause (on a busy machine each wake-up can cost a scheduler tick). Generation 0 is the
    /// rehearsal (<see cref="RehearsePause"/>): every step is taken, but the program is never armed and nothing
    /// is waited for.
    /// </summary>
    (StoppedThread[] Threads, bool Completed, long ArmedAt, long TriggeredAt, long FinishedAt) PausedSteps(ProcessPause p, int triggerTid, ulong generation,
        CancellationToken cancellation = default)
    {
        var protocol = Job.Protocol;
        var control = _maps[protocol.ControlMap];
        var registers = _maps[protocol.ThreadRegistersMap];
        try
        {
            var stopped = p.Threads.Select(t => new StoppedThread(t.Tid, StoppedRegisters.Of(t.Registers))).ToArray();
            foreach (var thread in stopped) registers.Update((uint)thread.Tid, thread.Registers);
            control.Update(0u, generation);
            p.KeepOffCpuOf(triggerTid);
            var armedAt = Now();
            p.DeliverSignal(triggerTid, protocol.TriggerSignal, Job.MaxPause);
            var triggeredAt = Now();
            var completed = WaitForCompletion(generation, p, cancellation);
            // The trigger thread runs on from here; the others are released when this returns.
            return (stopped, completed, armedAt, triggeredAt, Now());
        }
        finally
        {
            control.Update(0u, 0UL); // disarm whether or not the program ran
        }
    }

    /// <summary>
    /// Once per process, before any real target is stopped: a whole run's paused steps taken on a throwaway
    /// process (<see cref="RehearsalTarget"/>), so the first snapshot of a CLI run pauses as briefly as a later one
    /// instead of compiling and first-touching that code while the target waits. The program stays unarmed.
    /// </summary>
    void RehearsePause()
    {
        if (Interlocked.Exchange(ref _rehearsed, 1) != 0) return;
        using var helper = RehearsalTarget.TryStart();
        if (helper is null) return;
        try
        {
            ProcessPause.PauseWhile(helper.Pid, TimeSpan.FromSeconds(2), p => PausedSteps(p, helper.Pid, 0), signalThread: (helper.Pid, Job.Protocol.TriggerSignal));
        }
        catch (TargetProcessException)
        {
            // A rehearsal that fails (the helper exited, say) only means the first real pause is the cold one.
        }
        ClearThreadRegisters(_maps[Job.Protocol.ThreadRegistersMap]);
        DiscardPending();
    }

    static int _rehearsed;

    /// <summary>
    /// Waits for this generation's completion record, bounded by the pause's own deadline; the rehearsal
    /// (generation 0) looks once. It polls the ring, from a CPU other than the trigger thread's (see
    /// <see cref="ProcessPause.KeepOffCpuOf"/>), rather than sleep until the probe's wake-up: waking a sleeping
    /// thread on an idle CPU cost 0.7 ms of pause on this project's virtual machines (measured). It yields now and
    /// then, for a machine where it has to share the CPU after all.
    /// </summary>
    bool WaitForCompletion(ulong generation, ProcessPause pause, CancellationToken cancellation)
    {
        var reader = _reader!;
        ulong scanned = 0;
        var checkedAt = Now();
        var yieldedAt = checkedAt;
        while (true)
        {
            if (reader.Find(r => IsCompletion(r, generation), ref scanned)) return true;
            if (generation == 0) return false;
            var now = Now();
            if (pause.DeadlineNs - now <= 0 || cancellation.IsCancellationRequested) return false;
            // At least every millisecond: notice a target that died meanwhile.
            if (now - checkedAt >= 1_000_000)
            {
                if (pause.PollTargetExited()) throw new TargetProcessException(Job.Pid, "exited during the pause, before the probe finished");
                checkedAt = now;
            }
            if (Environment.ProcessorCount < 2 || now - yieldedAt >= 100_000)
            {
                Thread.Yield();
                yieldedAt = now;
            }
            else Thread.SpinWait(32);
        }
    }

    bool EndsWithCompletion(List<byte[]> records, ulong generation) => records.Count > 0 && IsCompletion(records[^1], generation);

    bool IsCompletion(ReadOnlySpan<byte> record, ulong generation)
    {
        var offset = Job.Protocol.CompletionGenerationOffset;
        return record.Length >= Math.Max(4, offset + 8)
            && BinaryPrimitives.ReadUInt32LittleEndian(record) == Job.Protocol.CompletionKind
            && BinaryPrimitives.ReadUInt64LittleEndian(record[offset..]) == generation;
    }

    static void ClearThreadRegisters(BpfMap map)
    {
        foreach (var key in map.Keys().ToList()) map.Delete(key);
    }

    static long Now() => Ptrace.PtraceNative.MonotonicNs();

    public void Dispose()
    {
        _link?.Dispose();
        _link = null;
        _reader?.Dispose();
        _reader = null;
        _program?.Dispose();
        _program = null;
        foreach (var map in _maps.Values) map.Dispose();
        _maps.Clear();
    }
}
