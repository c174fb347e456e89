using SideEye.Binary.DebugInfo;
using SideEye.GoRuntime;
using SideEye.GoRuntime.Memory;
using SideEye.GoRuntime.Processes;
using SideEye.Loader.Contract;
using SideEye.Loader.Privileges;
using SideEye.Loader.Run;
using SideEye.Probes.Specs;
using SideEye.Snapshots.Model;

namespace SideEye.Snapshots.Collection;

/// <summary>
/// Takes snapshots of Go processes on this machine, doing both halves itself: the unprivileged one
/// (<see cref="ProcessProbe"/>: plan and generate the probe, decode and symbolize) and, in-process, the privileged
/// one (<see cref="SnapshotRunner"/>: load, pause, run, collect). A process that fails is reported in its row
/// (error) and does not stop the others; each row's <see cref="ProcessSnapshot.ProbeAt"/> is on this machine's clock.
/// Keeps each process's probe and loaded runner between snapshots, so a second snapshot of the same process
/// costs no binary analysis and no verifier time; a process that restarted under the same pid, or whose
/// goroutines outgrew the ring buffer, gets a fresh one. Dispose to unload.
/// </summary>
public sealed class LocalSnapshotter : ISnapshotter
{
    /// <param name="DebugInfo">Where the binary's debug file was looked for: a binary without DWARF is opened again once that changes.</param>
    sealed record Loaded(ProcessProbe Probe, SnapshotRunner Runner, DebugInfoSources? DebugInfo);

    readonly Dictionary<int, Loaded> _loaded = [];

    /// <summary>Frames kept per goroutine, counted as runtime.Stack counts them (checked: <see cref="SnapshotOptions.MaxFrames"/>).</summary>
    public int MaxFrames { get => _maxFrames; init => _maxFrames = SnapshotOptions.MaxFrames(value); }
    int _maxFrames = SnapshotOptions.DefaultMaxFrames;

    /// <summary>Where a stripped executable's debug file is looked for; the environment's places (SIDEEYE_DEBUG_DIRS, /usr/lib/debug, DEBUGINFOD_URLS) when null.</summary>
    public DebugInfoSources? DebugInfo { get; set; }

    /// <summary>The longest a target stays stopped (checked: <see cref="SnapshotOptions.MaxPause"/>).</summary>
    public TimeSpan MaxPause { get => _maxPause; init => _maxPause = SnapshotOptions.MaxPause(value); }
    TimeSpan _maxPause = TimeSpan.FromMilliseconds(SnapshotOptions.DefaultMaxPauseMs);

    /// <summary>How long into a snapshot the probe may fault pages in to read memory that is not resident (checked: <see cref="SnapshotOptions.FaultBudget"/>); zero: never.</summary>
    public TimeSpan FaultBudget { get => _faultBudget; init => _faultBudget = SnapshotOptions.FaultBudget(value); }
    TimeSpan _faultBudget = TimeSpan.FromMilliseconds(SnapshotOptions.DefaultFaultBudgetMs);

    /// <summary>
    /// What to capture in each target's frames, matched to a target by its executable's file name. May change
    /// between snapshots (a notebook edits it): a process whose captures changed gets a new probe at its next one.
    /// </summary>
    public CaptureSpec Captures { get; set; } = CaptureSpec.Empty;

    /// <summary>This machine's name, as the snapshots record it.</summary>
    public string Host { get; } = Environment.MachineName;

    /// <summary>
    /// For tests of what happens when the kernel refuses a capture probe: a change made to every job with captures
    /// before it is loaded (a program the verifier must refuse, say). Null in use.
    /// </summary>
    internal Func<SnapshotJob, SnapshotJob>? CaptureJobForTests { get; init; }

    /// <summary>For tests of a kernel that lacks a feature: what the kernel is taken to have. The kernel's own answer in use.</summary>
    internal Func<Bpf.Features.KernelFeature, Bpf.KernelFeatureException?> KernelFeatureForTests { get; init; } = Bpf.Features.KernelFeatures.Probe;

    public Snapshot Take(IReadOnlyList<int> pids, string? note = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var taken = DateTimeOffset.UtcNow;
        var processes = pids.Select(TakeOne).ToArray();
        return new Snapshot(0, taken, note, processes);
    }

    public Task<Snapshot> TakeAsync(IReadOnlyList<int> pids, string? note = null, CancellationToken cancellation = default) =>
        Task.Run(() => Take(pids, note), cancellation);

    public Task<IReadOnlyList<GoProcessInfo>> ListAsync(IReadOnlyCollection<int>? pids = null, IReadOnlyCollection<string>? environmentVariables = null,
        CancellationToken cancellation = default) =>
        Task.Run(() => new GoProcessScanner().List(pids, environmentVariables), cancellation);

    public Task<GoBinary> OpenBinaryAsync(GoProcessInfo process, CancellationToken cancellation = default) =>
        Task.Run(() => OpenExecutable(process.Pid, ReadExeLink(process.Pid)), cancellation);

    /// <summary>
    /// The process's executable, through /proc/PID/exe (which also reaches one only inside a container's mount
    /// namespace). A .gnu_debuglink is looked for beside it as the process sees it: under /proc/PID/root, its root.
    /// </summary>
    GoBinary OpenExecutable(int pid, string? link) =>
        GoBinary.Open($"/proc/{pid}/exe", DebugInfo ?? DebugInfoSources.FromEnvironment(),
            link is not null && link.StartsWith('/') && !link.EndsWith(" (deleted)", StringComparison.Ordinal) ? $"/proc/{pid}/root{link}" : null);

    ProcessSnapshot TakeOne(int pid)
    {
        string exe = $"/proc/{pid}/exe", goVersion = "";
        try
        {
            var (loaded, reused) = LoadFor(pid);
            exe = loaded.Probe.Target.Exe;
            goVersion = loaded.Probe.Binary.Version.Text;
            var raw = loaded.Runner.Run();
            return ProbeClock.OnTimeline(loaded.Probe.Decode(raw, new ProbeLoad(loaded.Runner.VerifierStats, loaded.Probe.PlanTime, loaded.Runner.LoadTime, reused)));
        }
        catch (SideEyeException e)
        {
            Unload(pid);
            return ProcessProbe.Failed(Host, pid, exe, goVersion, e);
        }
    }

    (Loaded Loaded, bool Reused) LoadFor(int pid)
    {
        if (!Directory.Exists($"/proc/{pid}")) throw new SideEyeException($"process {pid}: no such process");
        var startTicks = ProcessStart.TicksOf(pid);
        // Reading the executable's link first, once: a refusal there is explained (AccessDenial), not just reported.
        var link = ReadExeLink(pid);
        _loaded.TryGetValue(pid, out var loaded);
        var sameProcess = loaded?.Probe.Target.StartTicks == startTicks;
        // A binary opened without DWARF is opened again when the places its debug file may be have changed since.
        var sameBinary = sameProcess && (loaded!.Probe.Binary.Dwarf is not null || ReferenceEquals(loaded.DebugInfo, DebugInfo));
        var binary = sameBinary ? loaded!.Probe.Binary : OpenExecutable(pid, link);
        var target = Target(pid, startTicks, binary, link);
        if (loaded is not null && sameBinary && loaded.Probe.Fits(target, Captures)) return (loaded, true);
        Unload(pid);

        var probe = ProcessProbe.Make(target, binary, Captures, MaxFrames, MaxPause, FaultBudget);
        // A kernel before 6.0 runs the probe that cannot fault pages in: what is not resident stays unread, and the row says why.
        if (probe.FaultsIn && KernelFeatureForTests(Bpf.Features.KernelFeature.SleepableUprobe) is { } cannot)
            probe = probe.WithoutFaultIn(cannot.Message);
        SnapshotRunner runner;
        try
        {
            runner = SnapshotRunner.Load(probe.Plan is not null && CaptureJobForTests is { } change ? change(probe.Job) : probe.Job);
        }
        catch (Bpf.BpfException refused) when (probe.Plan is { IsEmpty: false } && refused is not Bpf.KernelFeatureException)
        {
            // A spec must never cost the snapshot: without the captures the goroutines are still taken, and the row says why.
            probe = probe.WithoutCaptures(refused.Message);
            runner = SnapshotRunner.Load(probe.Job);
        }
        loaded = new Loaded(probe, runner, DebugInfo);
        _loaded[pid] = loaded;
        return (loaded, false);
    }

    /// <summary>The process as this machine's /proc shows it; the goroutine count is read from its memory (allglen).</summary>
    ProbeTarget Target(int pid, ulong startTicks, GoBinary binary, string? link)
    {
        var exe = link ?? $"/proc/{pid}/exe";
        var bias = LoadBias.Of(pid, binary.Image);
        long? goroutines;
        try
        {
            using var memory = ProcessMemoryReader.Open(pid);
            goroutines = memory.ReadU64(binary.Runtime.Variables.AllGLen + bias) is { } n ? (long)n : null;
        }
        catch (SideEyeException e) when (e.InnerException is UnauthorizedAccessException)
        {
            throw new SideEyeException($"process {pid}: cannot read its memory: {AccessDenial.Explain(pid, TargetAccess.ReadMemory)}", e);
        }
        return new ProbeTarget(Host, pid, startTicks, exe, $"/proc/{pid}/exe", bias, goroutines)
        {
            NamespacePid = ProcessContainer.NamespacePid(pid),
            Cgroup = ProcessContainer.Cgroup(pid),
        };
    }

    void Unload(int pid)
    {
        if (_loaded.Remove(pid, out var loaded)) loaded.Runner.Dispose();
    }

    static string? ReadExeLink(int pid)
    {
        try { return File.ResolveLinkTarget($"/proc/{pid}/exe", returnFinalTarget: false)?.FullName; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SideEyeException(e is UnauthorizedAccessException
                ? $"process {pid}: may not read /proc/{pid}/exe: {AccessDenial.Explain(pid, TargetAccess.Inspect)}"
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
