using SideEye.GoRuntime;
using SideEye.GoRuntime.Goroutines;
using SideEye.Loader.Contract;
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
/// The unprivileged half of one process's snapshots, wherever the privileged half runs: the probe planned and
/// generated from the executable as a <see cref="SnapshotJob"/>, and what a run of it brought back decoded into a
/// <see cref="ProcessSnapshot"/> (goroutines symbolized, captured values evaluated). Made once per process and
/// spec; <see cref="Fits"/> says whether a later snapshot may reuse it.
/// </summary>
public sealed class ProcessProbe
{
    readonly GoroutineDecoder _decoder;
    readonly CaptureValueDecoder? _captures;
    readonly (ProgramCaptures?, CaptureLimits?, bool) _asked;
    readonly int _maxFrames;
    readonly TimeSpan _faultBudget;

    public ProbeTarget Target { get; }
    public GoBinary Binary { get; }
    public SnapshotJob Job { get; }
    /// <summary>The spec's captures for this program as the probe has them; null when none (or when they were dropped).</summary>
    public ProgramCaptures? Program { get; }
    public CapturePlan? Plan { get; }
    public uint RingBufferBytes { get; }
    /// <summary>Time to plan and generate the probe.</summary>
    public TimeSpan PlanTime { get; }
    /// <summary>Why the spec's captures are not in the probe (the kernel refused them), or null.</summary>
    public string? CapturesDropped { get; }
    /// <summary>Whether the probe faults pages in to read memory that is not resident (a sleepable program).</summary>
    public bool FaultsIn => Job.Program.Sleepable;
    /// <summary>Why it does not (a zero fault budget, or a kernel that cannot), or null.</summary>
    public string? FaultInDropped { get; private set; }

    ProcessProbe(ProbeTarget target, GoBinary binary, SnapshotJob job, ProgramCaptures? program, CapturePlan? plan, CaptureValueDecoder? captures,
        uint ring, TimeSpan planTime, string? dropped, (ProgramCaptures?, CaptureLimits?, bool) asked, int maxFrames, TimeSpan faultBudget)
    {
        Target = target;
        Binary = binary;
        Job = job;
        Program = program;
        Plan = plan;
        _captures = captures;
        RingBufferBytes = ring;
        PlanTime = planTime;
        CapturesDropped = dropped;
        _asked = asked;
        _maxFrames = maxFrames;
        _faultBudget = faultBudget;
        _decoder = new GoroutineDecoder(binary, maxFrames);
    }

    /// <summary>
    /// Plans the probe for <paramref name="target"/> from its executable and what <paramref name="spec"/> asks of
    /// it. A spec that does not fit the binary fails here, with the resolver's message, before anything is loaded.
    /// </summary>
    /// <param name="faultBudget">How long into a run the probe may fault pages in to read memory that is not resident
    /// (<see cref="SnapshotOptions.FaultBudget"/>); at most half of <paramref name="maxPause"/>, so the rest of the
    /// walk still fits the pause. Zero: such memory stays unread.</param>
    public static ProcessProbe Make(ProbeTarget target, GoBinary binary, CaptureSpec spec, int maxFrames, TimeSpan maxPause, TimeSpan faultBudget) =>
        Make(target, binary, spec, maxFrames, maxPause, faultBudget, dropped: null, builtIns: true);

    /// <summary>The same probe without the spec's captures, because the kernel refused them (<paramref name="why"/>, from the verifier).</summary>
    /// <remarks>It still stands for what the spec asked (see <see cref="Fits"/>), so it is kept until the spec changes.</remarks>
    public ProcessProbe WithoutCaptures(string why) =>
        Make(Target, Binary, CaptureSpec.Empty, _maxFrames, Job.MaxPause, _faultBudget, Plan is null ? why : CaptureRefusal.Describe(why, Plan), builtIns: false)
            .WithAsked(_asked).Noting(FaultInDropped);

    /// <summary>
    /// The same probe without faulting pages in, because the kernel cannot run a sleepable uprobe (<paramref name="why"/>):
    /// memory that is not resident stays unread, and the snapshot says so.
    /// </summary>
    public ProcessProbe WithoutFaultIn(string why)
    {
        var plan = ProbePlan.Create(Binary, _maxFrames).WithLoadBias(Target.LoadBias) with { RingBufferBytes = RingBufferBytes, BinaryPath = Target.TriggerPath };
        var job = SnapshotJobs.Create(plan, Target.Pid, Job.MaxPause, Plan);
        return new ProcessProbe(Target, Binary, job, Program, Plan, _captures, RingBufferBytes, PlanTime, CapturesDropped, _asked, _maxFrames, TimeSpan.Zero)
            .Noting($"pages that are not resident were not faulted in: {why}");
    }

    ProcessProbe Noting(string? faultInDropped)
    {
        FaultInDropped = faultInDropped;
        return this;
    }

    /// <param name="builtIns">Whether <see cref="BuiltInCaptures"/> are added (not once the kernel refused captures).</param>
    static ProcessProbe Make(ProbeTarget target, GoBinary binary, CaptureSpec spec, int maxFrames, TimeSpan maxPause, TimeSpan faultBudget, string? dropped, bool builtIns)
    {
        var planning = System.Diagnostics.Stopwatch.GetTimestamp();
        var program = ProgramFor(spec, target.Exe);
        var asked = Asking(spec, program);
        // Without debug info (none in the file, none found: a debuginfod server down, say) the goroutines are still
        // taken, and the row says why the captures are not.
        if (program is not null && CaptureResolver.WithoutDebugInfo(binary) is { } why)
            return Make(target, binary, CaptureSpec.Empty, maxFrames, maxPause, faultBudget, why, builtIns: false).WithAsked(asked);
        if (builtIns && spec.BuiltIns) program = BuiltInCaptures.AddTo(program, binary);
        if (asked.Item2 is { } limits) SnapshotOptions.Limits(limits);
        var runtimeTypes = program is null ? null : RuntimeTypeIndex.Build(binary);
        var captures = program is null ? null
            : CapturePlan.Create(binary, program, program.Limits ?? spec.Limits, runtimeTypes!.Types.Select(kv => (kv.Key, kv.Value)));
        var ring = RingBufferBytesFor(target.Goroutines, maxFrames, captures);
        var budget = faultBudget <= maxPause / 2 ? faultBudget : maxPause / 2;
        var plan = ProbePlan.Create(binary, maxFrames).WithLoadBias(target.LoadBias)
            with
        { RingBufferBytes = ring, BinaryPath = target.TriggerPath, FaultBudgetNs = budget.Ticks * 100 };
        var job = SnapshotJobs.Create(plan, target.Pid, maxPause, captures);
        return new ProcessProbe(target, binary, job, program, captures,
            captures is null ? null : new CaptureValueDecoder(captures, binary, runtimeTypes!, target.LoadBias),
            ring, System.Diagnostics.Stopwatch.GetElapsedTime(planning), dropped, asked, maxFrames, faultBudget)
            .Noting(budget > TimeSpan.Zero ? null : "pages that are not resident were not faulted in: the fault budget is 0");
    }

    ProcessProbe WithAsked((ProgramCaptures?, CaptureLimits?, bool) asked) =>
        new ProcessProbe(Target, Binary, Job, Program, Plan, _captures, RingBufferBytes, PlanTime, CapturesDropped, asked, _maxFrames, _faultBudget)
            .Noting(FaultInDropped);

    /// <summary>
    /// Whether a snapshot of <paramref name="target"/> under <paramref name="spec"/> may run this probe again: the
    /// same process (not a restart under the same pid), the same captures with the same limits, and a ring buffer
    /// still large enough for its goroutines.
    /// </summary>
    public bool Fits(ProbeTarget target, CaptureSpec spec) =>
        target.Pid == Target.Pid && target.StartTicks == Target.StartTicks && Captures(spec)
        && RingBufferBytesFor(target.Goroutines, _maxFrames, Plan) <= RingBufferBytes;

    /// <summary>Whether the probe captures what <paramref name="spec"/> asks of its program, with the same limits.</summary>
    public bool Captures(CaptureSpec spec) => _asked == Asking(spec, ProgramFor(spec, Target.Exe));

    /// <summary>
    /// The most goroutines (runtime.allglen) the ring buffer holds: a process with more needs a larger probe. An agent
    /// checks it just before the pause, so a warm remote snapshot needs no listing first.
    /// </summary>
    public long GoroutineCapacity
    {
        get
        {
            // The largest count RingBufferBytesFor sizes within this ring: it rounds up to powers of two, so search.
            long low = 0, high = 1L << 32;
            while (low < high)
            {
                var middle = low + (high - low + 1) / 2;
                if (RingBufferBytesFor(middle, _maxFrames, Plan) <= RingBufferBytes) low = middle;
                else high = middle - 1;
            }
            return low;
        }
    }

    /// <summary>One run of the probe, decoded: goroutines symbolized, captured values evaluated, the row's error if it is partial.</summary>
    public ProcessSnapshot Decode(RawSnapshot raw, ProbeLoad load)
    {
        var result = SnapshotResult.Decode(raw, Binary.Pclntab, ProbePlan.WalkFramesFor(_maxFrames), Target.LoadBias);
        var statuses = Binary.Runtime.Statuses;
        RuntimePlausibility.Ensure(result.Goroutines.Select(g => g.State), Binary.Runtime, Binary.Path, Binary.Version.Text);
        var goroutines = result.Goroutines
            .Select(g => _decoder.Decode(g.State, g.Pcs, firstPcIsExact: (g.State.Status & ~statuses.ScanBit) == statuses.Running,
                truncated: g.Truncated || g.Flags.HasFlag(GoroutineFlags.StackUnreadable), g.Labels))
            .ToArray();
        IReadOnlyList<CapturedValue>? values = null;
        string? captureShortfall = null;
        if (_captures is { } decoder)
        {
            var (decoded, stats) = decoder.Decode(result);
            // A frame beyond the frame limit (cut by runtime.Stack's count after the walk) is not kept, nor its values.
            var depths = goroutines.GroupBy(g => g.Goid).ToDictionary(g => g.Key, g => g.First().Frames.Count);
            values = decoded.Where(v => depths.TryGetValue(v.Goid, out var n) && v.Depth < n)
                .Select(v => new CapturedValue(v.Goid, v.Depth, v.Function, v.Expression, v.Type, v.Json, v.Unavailable)).ToArray();
            captureShortfall = stats is null ? (result.Summary is null ? null : "the probe's capture statistics are missing") : stats.Shortfall;
        }
        // Without faulting, what was not resident is what a partial snapshot lacks: the row says why it stayed unread.
        var notFaulted = result.Shortfall is not null || result.Summary?.Reads.Unread > 0 && captureShortfall is not null ? FaultInDropped : null;
        var error = string.Join("; ", new[] { CapturesDropped, result.Shortfall, captureShortfall, notFaulted }.OfType<string>()) is { Length: > 0 } e ? e : null;
        return new ProcessSnapshot(Target.Pid, Target.Host, Target.Exe, Binary.Version.Text, raw.Timings.PauseNs, (long)(result.ProbeNs ?? 0),
            result.Truncated || goroutines.Any(g => g.Truncated), error, goroutines, raw.Timings, values, Program?.Functions,
            result.Summary is { } s ? (long)s.StartNs : null, load with { CapturesDropped = CapturesDropped, FaultInDropped = FaultInDropped })
        {
            NamespacePid = Target.NamespacePid,
            Cgroup = Target.Cgroup,
            Reads = result.Summary?.Reads,
        };
    }

    /// <summary>A process that could not be snapshotted: its row with the reason (without a repeated "process N:").</summary>
    public static ProcessSnapshot Failed(string host, int pid, string exe, string goVersion, SideEyeException e)
    {
        var prefix = $"process {pid}: ";
        var reason = e.Message.StartsWith(prefix, StringComparison.Ordinal) ? e.Message[prefix.Length..] : e.Message;
        return new ProcessSnapshot(pid, host, exe, goVersion, 0, 0, true, reason, []);
    }

    /// <summary>The spec's captures for an executable, or null when it asks for none.</summary>
    static ProgramCaptures? ProgramFor(CaptureSpec spec, string exe) => spec.For(exe) is { Functions.Count: > 0 } p ? p : null;

    static (ProgramCaptures?, CaptureLimits?, bool) Asking(CaptureSpec spec, ProgramCaptures? program) =>
        (program, program is null ? null : program.Limits ?? spec.Limits, spec.BuiltIns);

    /// <summary>
    /// Sizes the ring buffer to the target, read before the pause: every goroutine's record must fit, or the
    /// snapshot is truncated. Records hold a 160-byte header and 8 bytes a frame; most stacks are far shallower
    /// than the frame limit, so this budgets 32 frames each with 50% to spare, between 16 MiB and 512 MiB. Captures
    /// add twice their byte budget (entry headers on small blocks).
    /// </summary>
    static uint RingBufferBytesFor(long? goroutines, int maxFrames, CapturePlan? captures)
    {
        var perRecord = 160UL + 8UL * (ulong)Math.Min(maxFrames, 32);
        var wanted = (ulong)Math.Max(0, goroutines ?? 0) * perRecord * 3 / 2 + (captures is null ? 0 : 2UL * (ulong)captures.Limits.SnapshotBytes);
        var bytes = 16UL << 20;
        while (bytes < wanted && bytes < 512UL << 20) bytes <<= 1;
        return (uint)bytes;
    }
}
