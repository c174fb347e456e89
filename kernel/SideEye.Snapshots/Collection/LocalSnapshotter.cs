using SideEye.GoRuntime;
using SideEye.GoRuntime.Memory;
using SideEye.Loader.Contract;
using SideEye.Loader.Run;
using SideEye.Probes;
using SideEye.Probes.Capture;
using SideEye.Probes.Planning;
using SideEye.Probes.Records;
using SideEye.Probes.Specs;
using SideEye.Probes.Values;
using SideEye.Snapshots.Decoding;
using SideEye.Snapshots.Model;

namespace SideEye.Snapshots.Collection;

/// <summary>
/// Takes snapshots of Go processes on this machine, doing both halves itself: the unprivileged one (open the
/// binary, plan and generate the probe as a <see cref="SnapshotJob"/>, decode and symbolize) and, in-process, the
/// privileged one (<see cref="SnapshotRunner"/>: load, pause, run, collect). A process that fails is reported
/// in its row (error) and does not stop the others.
/// Keeps each process's binary and loaded runner between snapshots, so a second snapshot of the same process
/// costs no binary analysis and no verifier time; a process that restarted under the same pid, or whose
/// goroutines outgrew the ring buffer, gets a fresh runner. Dispose to unload.
/// </summary>
public sealed class LocalSnapshotter : IDisposable
{
    sealed record Loaded(ulong StartTime, string ExePath, GoBinary Binary, ulong LoadBias, GoroutineDecoder Decoder, SnapshotRunner Runner, uint RingBufferBytes,
        ProgramCaptures? Program, CapturePlan? Plan, CaptureValueDecoder? Captures, TimeSpan PlanTime, string? CapturesDropped)
    {
        /// <summary>What the spec asked of this program when the probe was made (the same as Program unless the captures were dropped).</summary>
        public (ProgramCaptures? Program, CaptureLimits? Limits) Asked { get; init; }
    }

    readonly Dictionary<int, Loaded> _loaded = [];

    /// <summary>Frames kept per goroutine, counted as runtime.Stack counts them (checked: <see cref="SnapshotOptions.MaxFrames"/>).</summary>
    public int MaxFrames { get => _maxFrames; init => _maxFrames = SnapshotOptions.MaxFrames(value); }
    int _maxFrames = SnapshotOptions.DefaultMaxFrames;

    /// <summary>The longest a target stays stopped (checked: <see cref="SnapshotOptions.MaxPause"/>).</summary>
    public TimeSpan MaxPause { get => _maxPause; init => _maxPause = SnapshotOptions.MaxPause(value); }
    TimeSpan _maxPause = TimeSpan.FromMilliseconds(SnapshotOptions.DefaultMaxPauseMs);
    /// <summary>
    /// What to capture in each target's frames, matched to a target by its executable's file name. May change
    /// between snapshots (a notebook edits it): a process whose captures changed gets a new probe at its next one.
    /// </summary>
    public CaptureSpec Captures { get; set; } = CaptureSpec.Empty;

    /// <summary>
    /// For tests of what happens when the kernel refuses a capture probe: a change made to every job with captures
    /// before it is loaded (a program the verifier must refuse, say). Null in use.
    /// </summary>
    internal Func<SnapshotJob, SnapshotJob>? CaptureJobForTests { get; init; }

    public Snapshot Take(IReadOnlyList<int> pids, string? note = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var taken = DateTimeOffset.UtcNow;
        var processes = pids.Select(TakeOne).ToArray();
        return new Snapshot(0, taken, note, processes);
    }

    ProcessSnapshot TakeOne(int pid)
    {
        string exePath = $"/proc/{pid}/exe", goVersion = "";
        try
        {
            var (loaded, reused) = LoadFor(pid);
            exePath = loaded.ExePath;
            goVersion = loaded.Binary.Version.Text;
            var raw = loaded.Runner.Run();
            var result = SnapshotResult.Decode(raw, loaded.Binary.Pclntab, ProbePlan.WalkFramesFor(MaxFrames), loaded.LoadBias);
            var statuses = loaded.Binary.Runtime.Statuses;
            var goroutines = result.Goroutines
                .Select(g => loaded.Decoder.Decode(g.State, g.Pcs, firstPcIsExact: (g.State.Status & ~statuses.ScanBit) == statuses.Running,
                    truncated: g.Truncated || g.Flags.HasFlag(GoroutineFlags.StackUnreadable), g.Labels))
                .ToArray();
            IReadOnlyList<CapturedValue>? values = null;
            string? captureShortfall = null;
            if (loaded.Captures is { } decoder)
            {
                var (decoded, stats) = decoder.Decode(result);
                // A frame beyond the frame limit (cut by runtime.Stack's count after the walk) is not kept, nor its values.
                var depths = goroutines.GroupBy(g => g.Goid).ToDictionary(g => g.Key, g => g.First().Frames.Count);
                values = decoded.Where(v => depths.TryGetValue(v.Goid, out var n) && v.Depth < n)
                    .Select(v => new CapturedValue(v.Goid, v.Depth, v.Function, v.Expression, v.Type, v.Json, v.Unavailable)).ToArray();
                captureShortfall = stats is null ? (result.Summary is null ? null : "the probe's capture statistics are missing") : stats.Shortfall;
            }
            var error = string.Join("; ", new[] { loaded.CapturesDropped, result.Shortfall, captureShortfall }.OfType<string>()) is { Length: > 0 } e ? e : null;
            var probe = new ProbeLoad(loaded.Runner.VerifierStats, loaded.PlanTime, loaded.Runner.LoadTime, reused, loaded.CapturesDropped);
            return new ProcessSnapshot(pid, Environment.MachineName, exePath, goVersion, raw.Timings.PauseNs, (long)(result.ProbeNs ?? 0),
                result.Truncated || goroutines.Any(g => g.Truncated), error, goroutines, raw.Timings, values, loaded.Program?.Functions,
                result.Summary is { } s ? (long)s.StartNs : null, probe);
        }
        catch (SideEyeException e)
        {
            Unload(pid);
            // The row is the process's: its error need not repeat "process N:".
            var prefix = $"process {pid}: ";
            var reason = e.Message.StartsWith(prefix, StringComparison.Ordinal) ? e.Message[prefix.Length..] : e.Message;
            return new ProcessSnapshot(pid, Environment.MachineName, exePath, goVersion, 0, 0, true, reason, []);
        }
    }

    (Loaded Loaded, bool Reused) LoadFor(int pid)
    {
        if (!Directory.Exists($"/proc/{pid}")) throw new SideEyeException($"process {pid}: no such process");
        var startTime = StartTime(pid);
        if (_loaded.TryGetValue(pid, out var loaded) && loaded.StartTime == startTime && SameCaptures(loaded))
        {
            if (RingBufferBytesFor(pid, loaded.Binary, loaded.LoadBias, loaded.Plan) <= loaded.RingBufferBytes) return (loaded, true);
        }
        Unload(pid);
        var planning = System.Diagnostics.Stopwatch.GetTimestamp();
        var exePath = ReadExeLink(pid) ?? $"/proc/{pid}/exe";
        var binary = loaded?.StartTime == startTime ? loaded.Binary : GoBinary.Open($"/proc/{pid}/exe");
        var bias = LoadBias.Of(pid, binary.Image);
        var program = ProgramFor(exePath);
        var asked = Asking(program);
        if (asked.Item2 is { } limits) SnapshotOptions.Limits(limits);
        // Checked before anything is loaded: a spec that does not fit this binary fails with the resolver's message.
        var runtimeTypes = program is null ? null : RuntimeTypeIndex.Build(binary);
        var captures = program is null ? null
            : CapturePlan.Create(binary, program, program.Limits ?? Captures.Limits, runtimeTypes!.Types.Select(kv => (kv.Key, kv.Value)));
        var ring = RingBufferBytesFor(pid, binary, bias, captures);
        var plan = ProbePlan.Create(binary, MaxFrames).WithLoadBias(bias) with { RingBufferBytes = ring };
        var job = SnapshotJobs.Create(plan, pid, MaxPause, captures);
        var planTime = System.Diagnostics.Stopwatch.GetElapsedTime(planning);
        SnapshotRunner runner;
        string? dropped = null;
        try
        {
            runner = SnapshotRunner.Load(captures is not null && CaptureJobForTests is { } change ? change(job) : job);
        }
        catch (Bpf.BpfException refused) when (captures is { IsEmpty: false } && refused is not Bpf.KernelFeatureException)
        {
            // A spec must never cost the snapshot: without the captures the goroutines are still taken, and the row says why.
            dropped = CaptureRefusal.Describe(refused, captures);
            runner = SnapshotRunner.Load(SnapshotJobs.Create(plan, pid, MaxPause));
            program = null;
            captures = null;
        }
        loaded = new Loaded(startTime, exePath, binary, bias, new GoroutineDecoder(binary, MaxFrames), runner, ring,
            program, captures, captures is null ? null : new CaptureValueDecoder(captures, binary, runtimeTypes!, bias), planTime, dropped)
        { Asked = asked };
        _loaded[pid] = loaded;
        return (loaded, false);
    }

    /// <summary>The spec's captures for an executable, or null when it asks for none.</summary>
    ProgramCaptures? ProgramFor(string exePath) => Captures.For(exePath) is { Functions.Count: > 0 } p ? p : null;

    /// <summary>Whether a loaded probe still captures what the spec asks of its program, with the same limits.</summary>
    bool SameCaptures(Loaded loaded) => loaded.Asked == Asking(ProgramFor(loaded.ExePath));

    (ProgramCaptures?, CaptureLimits?) Asking(ProgramCaptures? program) => (program, program is null ? null : program.Limits ?? Captures.Limits);

    void Unload(int pid)
    {
        if (_loaded.Remove(pid, out var loaded)) loaded.Runner.Dispose();
    }

    /// <summary>
    /// Sizes the ring buffer to the target, read before the pause: every goroutine's record must fit, or the
    /// snapshot is truncated. Records hold a 160-byte header and 8 bytes a frame; most stacks are far shallower
    /// than the frame limit, so this budgets 32 frames each with 50% to spare, between 16 MiB and 512 MiB. Captures
    /// add twice their byte budget (entry headers on small blocks).
    /// </summary>
    uint RingBufferBytesFor(int pid, GoBinary binary, ulong loadBias, CapturePlan? captures)
    {
        ulong goroutines;
        using (var memory = ProcessMemoryReader.Open(pid))
            goroutines = memory.ReadU64(binary.Runtime.Variables.AllGLen + loadBias) ?? 0;
        var perRecord = 160UL + 8UL * (ulong)Math.Min(MaxFrames, 32);
        var wanted = goroutines * perRecord * 3 / 2 + (captures is null ? 0 : 2UL * (ulong)captures.Limits.SnapshotBytes);
        var bytes = 16UL << 20;
        while (bytes < wanted && bytes < 512UL << 20) bytes <<= 1;
        return (uint)bytes;
    }

    /// <summary>The process's start time (field 22 of /proc/PID/stat): tells a restarted process from the one we loaded for.</summary>
    static ulong StartTime(int pid)
    {
        string stat;
        try { stat = File.ReadAllText($"/proc/{pid}/stat"); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SideEyeException($"process {pid}: cannot read /proc/{pid}/stat: {e.Message}", e);
        }
        // The command name (field 2) is in parentheses and may hold spaces: count fields after the last ')'.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return ulong.Parse(fields[19], System.Globalization.CultureInfo.InvariantCulture);
    }

    static string? ReadExeLink(int pid)
    {
        try { return File.ResolveLinkTarget($"/proc/{pid}/exe", returnFinalTarget: false)?.FullName; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SideEyeException(e is UnauthorizedAccessException
                ? $"process {pid}: may not read /proc/{pid}/exe: snapshots need root (or CAP_SYS_PTRACE, CAP_BPF and CAP_PERFMON)"
                : $"process {pid}: cannot read its executable: {e.Message}", e);
        }
    }

    bool _disposed;

    public void Dispose()
    {
        _disposed = true;
        foreach (var pid in _loaded.Keys.ToList()) Unload(pid);
    }
}
