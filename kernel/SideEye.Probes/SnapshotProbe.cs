using System.Runtime.InteropServices;
using SideEye.Binary.Pclntab;
using SideEye.Bpf;
using SideEye.Bpf.Links;
using SideEye.Bpf.RingBuf;
using SideEye.Probes.Codegen;
using SideEye.Probes.Planning;
using SideEye.Probes.Records;

namespace SideEye.Probes;

/// <summary>
/// The snapshot program loaded and attached to one Go process: maps, program, ring-buffer reader and a uprobe
/// on runtime.sigtramp restricted to the trigger thread. <see cref="Run"/> arms it, sends SIGURG to that
/// thread and collects records until the summary arrives. Disposing closes every fd, link first.
/// </summary>
public sealed class SnapshotProbe : IDisposable
{
    const int SigUrg = 23;

    readonly Dictionary<string, BpfMap> _maps = new(StringComparer.Ordinal);
    readonly GoPclntab _pclntab;
    BpfProgram? _program;
    RingBufReader? _reader;
    UprobeLink? _link;
    ulong _generation;

    public ProbePlan Plan { get; }
    public SnapshotProgram Program { get; }
    public int Pid { get; }
    public int TriggerThreadId { get; }

    SnapshotProbe(ProbePlan plan, GoPclntab pclntab, int pid, int triggerTid)
    {
        Plan = plan;
        _pclntab = pclntab;
        Pid = pid;
        TriggerThreadId = triggerTid;
        Program = SnapshotProgramGenerator.Generate(plan);
    }

    /// <summary>
    /// Loads and attaches the probe for process <paramref name="pid"/>, triggered through thread
    /// <paramref name="triggerTid"/> (default: the main thread, tid == pid).
    /// </summary>
    public static SnapshotProbe Attach(ProbePlan plan, GoPclntab pclntab, int pid, int? triggerTid = null)
    {
        var probe = new SnapshotProbe(plan, pclntab, pid, triggerTid ?? pid);
        try
        {
            probe.Load();
            return probe;
        }
        catch
        {
            probe.Dispose();
            throw;
        }
    }

    void Load()
    {
        foreach (var spec in Program.Maps) _maps[spec.Name] = BpfMap.Load(spec);
        var deltas = _maps[SnapshotProgram.SpDeltaMap];
        foreach (var (pc, delta) in Plan.SyscallSpDeltas) deltas.Update(pc, (ulong)delta);
        _program = BpfProgram.Load(Program.Program, _maps);
        _reader = RingBufReader.Open(_maps[SnapshotProgram.EventsMap]);
        _link = UprobeLink.Attach(_program, Plan.BinaryPath, Plan.SigtrampFileOffset, pid: TriggerThreadId);
    }

    /// <summary>
    /// Registers of a stopped thread (from ptrace), for the goroutine running on it; also stores the pcsp frame
    /// size at its pc, since a running function may not have set up its frame pointer yet.
    /// </summary>
    public void SetThreadRegisters(int tid, ThreadRegisters registers)
    {
        _maps[SnapshotProgram.ThreadRegsMap].Update((uint)tid, registers);
        var delta = _pclntab.SpDelta(registers.Pc);
        if (delta >= 0) _maps[SnapshotProgram.SpDeltaMap].Update(registers.Pc, (ulong)delta);
    }

    public void ClearThreadRegisters()
    {
        var map = _maps[SnapshotProgram.ThreadRegsMap];
        foreach (var key in map.Keys().ToList()) map.Delete(key);
    }

    /// <summary>Arms the program, signals the trigger thread and decodes records until the summary or the timeout.</summary>
    public SnapshotResult Run(TimeSpan timeout) => Run(timeout, SendSignal);

    /// <summary>
    /// Like <see cref="Run(TimeSpan)"/>, with the caller making the trigger thread handle SIGURG — e.g. a
    /// ptrace pause that lets just that thread run to take the signal while all others stay stopped.
    /// </summary>
    public SnapshotResult Run(TimeSpan timeout, Action<int> trigger)
    {
        ObjectDisposedException.ThrowIf(_reader is null, this);
        _reader.ReadAll(); // anything left from an earlier, timed-out run
        var generation = ++_generation;
        var control = _maps[SnapshotProgram.ControlMap];
        control.Update(0u, generation);
        try
        {
            trigger(TriggerThreadId);

            var goroutines = new List<GoroutineRecord>();
            SnapshotSummary? summary = null;
            var deadline = DateTime.UtcNow + timeout;
            while (summary is null)
            {
                var left = deadline - DateTime.UtcNow;
                if (left <= TimeSpan.Zero || !_reader.TryRead(left, out var record)) break;
                switch (RecordDecoder.KindOf(record))
                {
                    case RecordLayout.GoroutineKind:
                        goroutines.Add(RecordDecoder.DecodeGoroutine(record));
                        break;
                    case RecordLayout.SummaryKind:
                        var s = RecordDecoder.DecodeSummary(record);
                        if (s.Generation == generation) summary = s;
                        else goroutines.Clear(); // the tail of an older run
                        break;
                    default:
                        throw new SideEyeException($"snapshot probe record of unknown kind {RecordDecoder.KindOf(record)}");
                }
            }
            return new SnapshotResult(goroutines, summary, DroppedTotal());
        }
        finally
        {
            control.Update(0u, 0UL); // disarm if the probe never ran
        }
    }

    void SendSignal(int tid)
    {
        if (Tgkill(Pid, tid, SigUrg) != 0)
            throw new SideEyeException($"cannot signal thread {tid} of process {Pid}: errno {Marshal.GetLastPInvokeError()}");
    }

    /// <summary>Records the ring buffer refused over this probe's life (stats[0]).</summary>
    public ulong DroppedTotal() => Stats(0);

    /// <summary>Times the uprobe fired over this probe's life, armed or not (stats[1]).</summary>
    public ulong Hits() => Stats(1);

    ulong Stats(int index)
    {
        Span<ulong> value = stackalloc ulong[2];
        return _maps[SnapshotProgram.StatsMap].TryLookup(BitConverter.GetBytes(0u), MemoryMarshal.AsBytes(value)) ? value[index] : 0;
    }

    /// <summary>
    /// Test hook: signals the trigger thread without arming, waits until the hit is counted (or
    /// <paramref name="wait"/> passes) and returns how many records arrived meanwhile.
    /// </summary>
    internal int SignalUnarmed(TimeSpan wait)
    {
        ObjectDisposedException.ThrowIf(_reader is null, this);
        _reader.ReadAll();
        var hits = Hits();
        if (Tgkill(Pid, TriggerThreadId, SigUrg) != 0)
            throw new SideEyeException($"cannot signal thread {TriggerThreadId} of process {Pid}: errno {Marshal.GetLastPInvokeError()}");
        var deadline = DateTime.UtcNow + wait;
        while (Hits() == hits && DateTime.UtcNow < deadline) Thread.Sleep(5);
        if (Hits() == hits) throw new SideEyeException($"SIGURG to thread {TriggerThreadId} did not reach the probe within {wait.TotalMilliseconds:F0} ms");
        Thread.Sleep(50);
        return _reader.ReadAll().Count;
    }

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

    [DllImport("libc", EntryPoint = "tgkill", SetLastError = true)]
    static extern int Tgkill(int tgid, int tid, int sig);
}
