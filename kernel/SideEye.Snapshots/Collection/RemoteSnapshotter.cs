using Grpc.Core;
using SideEye.GoRuntime;
using SideEye.GoRuntime.Processes;
using SideEye.Probes.Specs;
using SideEye.Remote.Connection;
using SideEye.Remote.Executables;
using SideEye.Snapshots.Model;
using M = SideEye.Loader.Contract.Messages;

namespace SideEye.Snapshots.Collection;

/// <summary>
/// Takes snapshots of Go processes on another machine through its agent, with the same results as
/// <see cref="LocalSnapshotter"/> there: the probes are planned here, from the target's executable (fetched from the
/// agent once per build ID into the <see cref="ExecutableCache"/>, which snapshotters of a fleet may share), and the
/// raw records decoded here; the agent only loads, pauses and runs. <see cref="TakeAsync"/> is one Snapshot call
/// (jobs sent with it when the agent lacks them). A fleet's snapshot takes two: Prepare loads every probe
/// (<see cref="PrepareAsync"/>) and measures the agent's clock offset, Snapshot pauses the processes at an instant
/// (<see cref="TriggerAsync"/>), so a fleet's agents pause together. A probe the agent has been sent is named by its job's SHA-256 afterwards (the agent keeps it loaded), so a
/// warm snapshot sends no program and costs no verifier time; if the agent has dropped it, the job is sent again.
/// A process that fails is reported in its row, naming the agent; each row's <see cref="ProcessSnapshot.ProbeAt"/>
/// is on this client's clock.
/// </summary>
public sealed class RemoteSnapshotter : ISnapshotter
{
    readonly AgentConnection _agent;
    readonly ExecutableCache _cache;
    readonly AgentJobs _jobs = new();
    readonly AgentCalls _calls;
    readonly OpenedBinaries _binaries;
    readonly ClockHistory _clock = new();
    string? _hostname;

    /// <param name="cache">Where executables are kept by build ID; the snapshotters of a fleet share one, so each program is fetched once.</param>
    /// <param name="binaries">Executables already opened; the snapshotters of a fleet share them, so each program is parsed once.</param>
    public RemoteSnapshotter(AgentConnection agent, ExecutableCache? cache = null, OpenedBinaries? binaries = null)
    {
        _agent = agent;
        _cache = cache ?? new ExecutableCache();
        _binaries = binaries ?? new OpenedBinaries();
        _calls = new AgentCalls(agent, _jobs, () => Host);
    }

    public AgentConnection Agent => _agent;

    /// <summary>What snapshots call the machine: <see cref="Name"/> if set, else the hostname the agent reports.</summary>
    public string Host => Name ?? _hostname ?? _agent.Address.ToString();

    /// <summary>The machine's own name, as the agent reported it in its latest listing; null before one.</summary>
    public string? Hostname => _hostname;

    /// <summary>The name to record the agent's machine by instead of its hostname (a notebook's <c>connect --name</c>, a fleet file's agent name).</summary>
    public string? Name { get; init; }

    public int MaxFrames { get => _maxFrames; init => _maxFrames = SnapshotOptions.MaxFrames(value); }
    int _maxFrames = SnapshotOptions.DefaultMaxFrames;

    public TimeSpan MaxPause { get => _maxPause; init => _maxPause = SnapshotOptions.MaxPause(value); }
    TimeSpan _maxPause = TimeSpan.FromMilliseconds(SnapshotOptions.DefaultMaxPauseMs);

    /// <summary>How long into a snapshot the probe may fault pages in to read memory that is not resident (checked: <see cref="SnapshotOptions.FaultBudget"/>); zero: never.</summary>
    public TimeSpan FaultBudget { get => _faultBudget; init => _faultBudget = SnapshotOptions.FaultBudget(value); }
    TimeSpan _faultBudget = TimeSpan.FromMilliseconds(SnapshotOptions.DefaultFaultBudgetMs);

    public CaptureSpec Captures { get; set; } = CaptureSpec.Empty;

    /// <summary>Executable bytes fetched from the agent so far (0 once every program has been seen).</summary>
    public long ExecutableBytesFetched { get; private set; }

    /// <summary>The agent's wall clock minus this client's, as the latest Prepare call measured it; null before the first.</summary>
    public TimeSpan? ClockOffset { get; private set; }

    /// <summary>How far the true offset may be from <see cref="ClockOffset"/>: half the round trip, the agent's own time on the call taken out.</summary>
    public TimeSpan? ClockUncertainty { get; private set; }

    public async Task<IReadOnlyList<GoProcessInfo>> ListAsync(IReadOnlyCollection<int>? pids = null, IReadOnlyCollection<string>? environmentVariables = null,
        CancellationToken cancellation = default) =>
        (await ListAsync(pids?.ToArray() ?? [], environmentVariables ?? [], cancellation)).Processes.Select(ToInfo).ToArray();

    public async Task<GoBinary> OpenBinaryAsync(GoProcessInfo process, CancellationToken cancellation = default) =>
        await BinaryAsync(process.BuildId, cancellation, process.Exe);

    /// <summary>
    /// Snapshots the processes now, in one Snapshot call once their probes are on the agent (a warm snapshot is one
    /// round trip: the jobs go by hash). The agent's clock offset is measured once, for the rows' probe times.
    /// </summary>
    public async Task<Snapshot> TakeAsync(IReadOnlyList<int> pids, string? note = null, CancellationToken cancellation = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var taken = DateTimeOffset.UtcNow;
        var rows = new ProcessSnapshot?[pids.Count];
        var pending = await PendingAsync(pids, rows, cancellation);
        if (pending.Count > 0 && ClockOffset is null)
        {
            try { await MeasureClockAsync(1, cancellation); }
            catch (SideEyeException) { } // the Snapshot call will say what is wrong with the agent
        }
        await RunAsync(pending, rows, 0, ClockOffset, cancellation);
        return Assemble(pids, rows, taken, note);
    }

    /// <summary>
    /// Phase one of a snapshot: lists the processes the agent has no current job for, fetches missing executables,
    /// makes the jobs, and has the agent load and check them (one Prepare call, again for a job it dropped, one the
    /// verifier refused with captures, a process that restarted or outgrew its ring). Nothing is paused. A process
    /// that cannot be readied gets its row with the reason. Unless <paramref name="refineClock"/> is false, a loose
    /// clock estimate is tightened at once with a few ReadClock calls; a fleet does that after every agent is
    /// prepared (<see cref="RefineClockAsync"/>), when the machines are quiet and the round trips short.
    /// </summary>
    public async Task<PreparedSnapshot> PrepareAsync(IReadOnlyList<int> pids, CancellationToken cancellation = default, bool refineClock = true)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var prepared = new PreparedSnapshot(this, pids);
        var pending = await PendingAsync(pids, prepared.Rows, cancellation);
        (TimeSpan Offset, TimeSpan Uncertainty)? best = null;
        for (var attempt = 0; attempt < 3 && pending.Count > 0; attempt++)
        {
            var (ready, again, stale, clock) = await _calls.PrepareAsync(pending, prepared.Rows, retry: attempt < 2, cancellation);
            foreach (var (pid, job) in ready) prepared.Ready[pid] = job;
            if (clock is { } measured && (best is null || measured.Uncertainty < best.Value.Uncertainty)) best = measured;
            pending = again;
            await MakeJobsAsync(stale, pending, prepared.Rows, cancellation);
        }
        if (best is { } measuredBest)
        {
            (ClockOffset, ClockUncertainty) = (prepared.ClockOffset, prepared.ClockUncertainty) = _clock.Add(measuredBest);
            prepared.RoundTrip = 2 * measuredBest.Uncertainty;
            if (refineClock) await RefineClockAsync(prepared, 3, ClockTolerance, cancellation);
        }
        return prepared;
    }

    /// <summary>
    /// Tightens the clock offset <paramref name="prepared"/> will be triggered with, when it is looser than
    /// <paramref name="tolerance"/>, with up to <paramref name="samples"/> ReadClock calls (a Prepare call that carried
    /// jobs or met a busy machine bounds the offset loosely; a quick call does better). An agent without the ReadClock
    /// call, or one gone since, keeps the estimate it had: the trigger will say what is wrong with it.
    /// </summary>
    public async Task RefineClockAsync(PreparedSnapshot prepared, int samples, TimeSpan tolerance, CancellationToken cancellation = default)
    {
        if (prepared.ClockOffset is not { } offset || prepared.ClockUncertainty is not { } uncertainty || uncertainty <= tolerance) return;
        try
        {
            var estimate = (await MeasureClockAsync((offset, uncertainty), samples, tolerance, cancellation))!.Value;
            (ClockOffset, ClockUncertainty) = (prepared.ClockOffset, prepared.ClockUncertainty) = _clock.Add(estimate);
        }
        catch (SideEyeException) { }
    }

    /// <summary>A clock offset estimate this tight needs no more ReadClock calls.</summary>
    public static readonly TimeSpan ClockTolerance = TimeSpan.FromMilliseconds(1);

    /// <summary>
    /// Measures the agent's clock offset again with up to <paramref name="samples"/> ReadClock calls (fewer once one is
    /// within <see cref="ClockTolerance"/>), keeping the quickest; sets <see cref="ClockOffset"/> and
    /// <see cref="ClockUncertainty"/>. A snapshot prepared earlier keeps the offset it was prepared with.
    /// </summary>
    public async Task<(TimeSpan Offset, TimeSpan Uncertainty)> MeasureClockAsync(int samples = 3, CancellationToken cancellation = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(samples, 1);
        var (offset, uncertainty) = (await MeasureClockAsync(null, samples, ClockTolerance, cancellation))!.Value;
        _clock.Reset();
        (ClockOffset, ClockUncertainty) = _clock.Add((offset, uncertainty));
        return (offset, uncertainty);
    }

    async Task<(TimeSpan Offset, TimeSpan Uncertainty)?> MeasureClockAsync((TimeSpan Offset, TimeSpan Uncertainty)? best, int samples, TimeSpan tolerance,
        CancellationToken cancellation)
    {
        for (var i = 0; i < samples && !(best?.Uncertainty <= tolerance); i++)
        {
            var sent = DateTimeOffset.UtcNow;
            M.Clock clock;
            try { clock = await _agent.Client.ReadClockAsync(new M.ClockRequest(), _agent.Call(cancellation)); }
            catch (RpcException e) when (!cancellation.IsCancellationRequested) { throw _agent.Describe(e); }
            var measured = ProbeClock.Offset(sent, DateTimeOffset.UtcNow, clock, clock);
            if (best is null || measured.Uncertainty < best.Value.Uncertainty) best = measured;
        }
        return best;
    }

    /// <summary>
    /// Phase two: one Snapshot call that has the agent pause every ready process of <paramref name="prepared"/> when
    /// its clock reaches <paramref name="at"/> (this client's clock, converted with the measured offset; a past
    /// instant means now). The agent refuses an instant further ahead than the call's deadline or
    /// <c>AgentLimits.max_start_ahead_ns</c> (30 s). A job the agent dropped meanwhile is sent again and run at once.
    /// </summary>
    public async Task<Snapshot> TriggerAsync(PreparedSnapshot prepared, DateTimeOffset at, CancellationToken cancellation = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (prepared.Snapshotter != this) throw new ArgumentException("the snapshot was prepared by another snapshotter", nameof(prepared));
        prepared.Trigger();
        var rows = prepared.Rows.ToArray();
        var offset = prepared.ClockOffset ?? ClockOffset;
        var now = DateTimeOffset.UtcNow;
        var startAtNs = at > now ? ProbeClock.UnixNs(at + (offset ?? TimeSpan.Zero)) : 0;
        await RunAsync(new Dictionary<int, PendingJob>(prepared.Ready), rows, startAtNs, offset, cancellation);
        return Assemble(prepared.Pids, rows, at > now ? at : now, null);
    }

    /// <summary>
    /// The processes' jobs: a process with a job that still captures what the spec asks goes straight to the agent,
    /// which checks that it is the same process and that the probe's ring still holds its goroutines; the others are
    /// listed first (a process that cannot get a job gets its row's error instead).
    /// </summary>
    async Task<Dictionary<int, PendingJob>> PendingAsync(IReadOnlyList<int> pids, ProcessSnapshot?[] rows, CancellationToken cancellation)
    {
        var pending = new Dictionary<int, PendingJob>();
        var unknown = new List<(int Row, int Pid)>();
        for (var row = 0; row < pids.Count; row++)
        {
            if (_jobs.Current(pids[row], Captures) is { } sent) pending[pids[row]] = new PendingJob(row, sent);
            else unknown.Add((row, pids[row]));
        }
        await MakeJobsAsync(unknown, pending, rows, cancellation);
        return pending;
    }

    /// <summary>Snapshot calls for the pending processes: the first at <paramref name="startAtNs"/>, then again for a job the agent dropped, one the verifier refused with captures, a process that restarted or outgrew its ring.</summary>
    async Task RunAsync(Dictionary<int, PendingJob> pending, ProcessSnapshot?[] rows, long startAtNs, TimeSpan? offset, CancellationToken cancellation)
    {
        for (var attempt = 0; attempt < 3 && pending.Count > 0; attempt++)
        {
            var (again, stale) = await _calls.SnapshotAsync(pending, rows, retry: attempt < 2, attempt == 0 ? startAtNs : 0, offset, cancellation);
            pending = again;
            await MakeJobsAsync(stale, pending, rows, cancellation);
        }
    }

    Snapshot Assemble(IReadOnlyList<int> pids, ProcessSnapshot?[] rows, DateTimeOffset taken, string? note) =>
        new(0, taken, note, rows.Select((r, i) => r ?? ProcessProbe.Failed(Host, pids[i], "", "",
            new SideEyeException($"process {pids[i]}: agent {_agent.Address} gave no result for it"))).ToArray());

    /// <summary>Lists <paramref name="processes"/> on the agent and makes each one's job (or its row's error).</summary>
    async Task MakeJobsAsync(IReadOnlyList<(int Row, int Pid)> processes, Dictionary<int, PendingJob> pending, ProcessSnapshot?[] rows,
        CancellationToken cancellation)
    {
        if (processes.Count == 0) return;
        M.ProcessList listed;
        try { listed = await ListAsync(processes.Select(p => p.Pid).ToArray(), [], cancellation); }
        catch (SideEyeException e)
        {
            foreach (var (row, pid) in processes) rows[row] = ProcessProbe.Failed(Host, pid, "", "", e);
            return;
        }
        foreach (var (row, pid) in processes)
        {
            var process = listed.Processes.FirstOrDefault(p => p.Pid == pid);
            try
            {
                if (process is null) throw new SideEyeException($"process {pid}: not a Go process agent {_agent.Address} can see and read");
                if (!process.Allowed) throw new SideEyeException($"process {pid}: {process.Refused}");
                pending[pid] = new PendingJob(row, await JobFor(process, cancellation));
            }
            catch (SideEyeException e)
            {
                rows[row] = ProcessProbe.Failed(Host, pid, process?.ExecutablePath ?? "", process?.GoVersion ?? "", e);
            }
        }
    }

    async Task<SentJob> JobFor(M.GoProcess process, CancellationToken cancellation)
    {
        var target = new ProbeTarget(Host, process.Pid, process.StartTicks, process.ExecutablePath, $"/proc/{process.Pid}/exe",
            process.LoadBias, process.HasGoroutines ? process.Goroutines : null)
        {
            NamespacePid = process.NamespacePid == 0 ? null : process.NamespacePid,
            Cgroup = process.Cgroup.Length == 0 ? null : process.Cgroup,
        };
        if (_jobs.Fitting(target, Captures) is { } sent) return sent;
        var binary = await BinaryAsync(process.BuildId, cancellation, process.ExecutablePath);
        return _jobs.Remember(ProcessProbe.Make(target, binary, Captures, MaxFrames, MaxPause, FaultBudget));
    }

    async Task<M.ProcessList> ListAsync(IReadOnlyList<int> pids, IReadOnlyCollection<string> environmentVariables, CancellationToken cancellation)
    {
        try
        {
            var listed = await _agent.Client.ListProcessesAsync(new M.ListProcessesRequest { Pids = { pids }, EnvironmentVariables = { environmentVariables } },
                _agent.Call(cancellation));
            _hostname = listed.Hostname;
            return listed;
        }
        catch (RpcException e) when (!cancellation.IsCancellationRequested) { throw _agent.Describe(e); }
    }

    /// <summary>The executable with <paramref name="buildId"/>, from the cache, fetched once if need be, checked to be what its name says.</summary>
    async Task<GoBinary> BinaryAsync(string buildId, CancellationToken cancellation, string? executablePath = null)
    {
        if (_binaries.Find(buildId) is { } known) return known;
        var (path, fetched) = await _cache.GetAsync(_agent, buildId, cancellation);
        ExecutableBytesFetched += fetched;
        var binary = _binaries.Open(buildId, path, executablePath);
        if (binary.Image.BuildId != buildId)
        {
            _binaries.Forget(buildId);
            _cache.Evict(buildId);
            throw new SideEyeException($"agent {_agent.Address}: the executable served for build ID {buildId} has build ID {binary.Image.BuildId ?? "(none)"}");
        }
        return binary;
    }

    static GoProcessInfo ToInfo(M.GoProcess p) => new(p.Pid, p.ExecutablePath, p.GoVersion, TimeSpan.FromTicks(p.UptimeNs / 100), p.HasGoroutines ? p.Goroutines : null)
    {
        NamespacePid = p.NamespacePid == 0 ? null : p.NamespacePid,
        Cgroup = p.Cgroup.Length == 0 ? null : p.Cgroup,
        BuildId = p.BuildId,
        Start = new ProcessStart(p.StartTicks, DateTimeOffset.UnixEpoch.AddTicks(p.StartTimeUnixNs / 100), TimeSpan.FromTicks(p.UptimeNs / 100)),
        CommandLine = p.CommandLine.ToArray(),
        LoadBias = p.LoadBias,
        ExecutableSize = (long)p.ExecutableSize,
        Refused = p.Allowed ? null : p.Refused,
        Environment = new Dictionary<string, string>(p.Environment, StringComparer.Ordinal),
    };

    bool _disposed;

    /// <summary>Forgets the probes; the agent unloads them when they sit idle. The connection is the caller's.</summary>
    public void Dispose() => _disposed = true;
}
