using Grpc.Core;
using SideEye.GoRuntime;
using SideEye.GoRuntime.Processes;
using SideEye.Loader.Contract.Wire;
using SideEye.Probes.Specs;
using SideEye.Remote.Connection;
using SideEye.Remote.Executables;
using SideEye.Snapshots.Model;
using M = SideEye.Loader.Contract.Messages;

namespace SideEye.Snapshots.Collection;

/// <summary>
/// Takes snapshots of Go processes on another machine through its agent, with the same results as
/// <see cref="LocalSnapshotter"/> there: the probes are planned here, from the target's executable (fetched from the
/// agent once per build ID into the <see cref="ExecutableCache"/>), and the raw records decoded here; the agent only
/// loads, pauses and runs. All of a snapshot's processes go to the agent in one call. A probe the agent has been
/// sent is named by its job's SHA-256 afterwards (the agent keeps it loaded), so a warm snapshot sends no program
/// and costs no verifier time; if the agent has dropped it, the job is sent again. A process that fails is
/// reported in its row, naming the agent.
/// </summary>
public sealed class RemoteSnapshotter(AgentConnection agent, ExecutableCache? cache = null) : ISnapshotter
{
    sealed record SentJob(ProcessProbe Probe, M.SnapshotJob Message, byte[] Sha256);

    readonly ExecutableCache _cache = cache ?? new ExecutableCache();
    readonly Dictionary<int, SentJob> _jobs = [];
    readonly HashSet<(int Pid, string Sha256)> _loadedOnAgent = [];
    readonly Dictionary<string, GoBinary> _binaries = new(StringComparer.Ordinal);
    string? _hostname;

    public AgentConnection Agent => agent;

    /// <summary>What snapshots call the machine: <see cref="Name"/> if set, else the hostname the agent reports.</summary>
    public string Host => Name ?? _hostname ?? agent.Address.ToString();

    /// <summary>The name to record the agent's machine by instead of its hostname (a notebook's <c>connect --name</c>).</summary>
    public string? Name { get; init; }

    public int MaxFrames { get => _maxFrames; init => _maxFrames = SnapshotOptions.MaxFrames(value); }
    int _maxFrames = SnapshotOptions.DefaultMaxFrames;

    public TimeSpan MaxPause { get => _maxPause; init => _maxPause = SnapshotOptions.MaxPause(value); }
    TimeSpan _maxPause = TimeSpan.FromMilliseconds(SnapshotOptions.DefaultMaxPauseMs);

    public CaptureSpec Captures { get; set; } = CaptureSpec.Empty;

    /// <summary>Executable bytes fetched from the agent so far (0 once every program has been seen).</summary>
    public long ExecutableBytesFetched { get; private set; }

    public async Task<IReadOnlyList<GoProcessInfo>> ListAsync(IReadOnlyCollection<int>? pids = null, CancellationToken cancellation = default) =>
        (await ListAsync(pids?.ToArray() ?? [], cancellation)).Processes.Select(ToInfo).ToArray();

    public async Task<GoBinary> OpenBinaryAsync(GoProcessInfo process, CancellationToken cancellation = default) =>
        await BinaryAsync(process.BuildId, cancellation);

    public async Task<Snapshot> TakeAsync(IReadOnlyList<int> pids, string? note = null, CancellationToken cancellation = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var taken = DateTimeOffset.UtcNow;
        var rows = new ProcessSnapshot?[pids.Count];
        // A process with a probe that still captures what the spec asks goes straight to the agent, which checks that it
        // is the same process and that the probe's ring still holds its goroutines; the others are listed first.
        var pending = new Dictionary<int, (int Row, SentJob Job)>();
        var unknown = new List<(int Row, int Pid)>();
        for (var row = 0; row < pids.Count; row++)
        {
            if (_jobs.TryGetValue(pids[row], out var sent) && sent.Probe.Captures(Captures)) pending[pids[row]] = (row, sent);
            else unknown.Add((row, pids[row]));
        }
        await PrepareAsync(unknown, pending, rows, cancellation);
        // A job the agent no longer holds, one the verifier refused with captures, or one for a process that restarted
        // or outgrew its ring is made and sent once more.
        for (var attempt = 0; attempt < 3 && pending.Count > 0; attempt++)
        {
            var (again, stale) = await RunAsync(pending, rows, retry: attempt < 2, cancellation);
            pending = again;
            await PrepareAsync(stale, pending, rows, cancellation);
        }
        return new Snapshot(0, taken, note, rows.Select((r, i) => r ?? ProcessProbe.Failed(Host, pids[i], "", "",
            new SideEyeException($"process {pids[i]}: agent {agent.Address} gave no result for it"))).ToArray());
    }

    /// <summary>Lists <paramref name="processes"/> on the agent and makes each one's job (or its row's error).</summary>
    async Task PrepareAsync(IReadOnlyList<(int Row, int Pid)> processes, Dictionary<int, (int Row, SentJob Job)> pending, ProcessSnapshot?[] rows,
        CancellationToken cancellation)
    {
        if (processes.Count == 0) return;
        M.ProcessList listed;
        try { listed = await ListAsync(processes.Select(p => p.Pid).ToArray(), cancellation); }
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
                if (process is null) throw new SideEyeException($"process {pid}: not a Go process agent {agent.Address} can see and read");
                if (!process.Allowed) throw new SideEyeException($"process {pid}: {process.Refused}");
                pending[pid] = (row, await JobFor(process, cancellation));
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
            process.LoadBias, process.HasGoroutines ? process.Goroutines : null);
        if (_jobs.TryGetValue(process.Pid, out var sent) && sent.Probe.Fits(target, Captures)) return sent;
        var binary = await BinaryAsync(process.BuildId, cancellation);
        var probe = ProcessProbe.Make(target, binary, Captures, MaxFrames, MaxPause);
        return _jobs[process.Pid] = Sent(probe);
    }

    static SentJob Sent(ProcessProbe probe)
    {
        var message = JobWire.ToMessage(probe.Job);
        return new SentJob(probe, message, JobWire.Sha256(message));
    }

    /// <summary>
    /// One Snapshot call for the pending processes; returns those to send again (with their whole job), and those to
    /// list again and make a new job for (restarted, or outgrown their ring).
    /// </summary>
    async Task<(Dictionary<int, (int Row, SentJob Job)> Again, List<(int Row, int Pid)> Stale)> RunAsync(Dictionary<int, (int Row, SentJob Job)> pending,
        ProcessSnapshot?[] rows, bool retry, CancellationToken cancellation)
    {
        var request = new M.SnapshotRequest();
        foreach (var (pid, (_, job)) in pending)
        {
            var key = (pid, Convert.ToHexString(job.Sha256));
            var call = new M.JobRequest
            {
                Pid = pid,
                StartTicks = job.Probe.Target.StartTicks,
                JobSha256 = Google.Protobuf.ByteString.CopyFrom(job.Sha256),
                MaxGoroutines = (ulong)job.Probe.GoroutineCapacity,
            };
            if (!_loadedOnAgent.Contains(key)) call.Job = job.Message;
            request.Jobs.Add(call);
        }
        var again = new Dictionary<int, (int Row, SentJob Job)>();
        var stale = new List<(int Row, int Pid)>();
        var records = new Dictionary<int, List<byte[]>>();
        try
        {
            using var stream = agent.Client.Snapshot(request, agent.Call(cancellation));
            await foreach (var e in stream.ResponseStream.ReadAllAsync(cancellation))
            {
                switch (e.EventCase)
                {
                    case M.SnapshotEvent.EventOneofCase.Records:
                        if (!records.TryGetValue(e.Records.Pid, out var list)) records[e.Records.Pid] = list = [];
                        list.AddRange(e.Records.Records.Select(r => r.ToByteArray()));
                        break;
                    case M.SnapshotEvent.EventOneofCase.Result when pending.TryGetValue(e.Result.Outcome.Pid, out var done):
                        var pid = e.Result.Outcome.Pid;
                        _loadedOnAgent.Add((pid, Convert.ToHexString(done.Job.Sha256)));
                        var raw = ResultWire.Assemble(e.Result.Outcome, records.Remove(pid, out var got) ? got : []);
                        var load = new ProbeLoad(VerifierStatsWire.FromMessage(e.Result.Load?.Verifier), done.Job.Probe.PlanTime,
                            TimeSpan.FromTicks((e.Result.Load?.LoadNs ?? 0) / 100), e.Result.Load?.Reused ?? false);
                        rows[done.Row] = done.Job.Probe.Decode(raw, load);
                        break;
                    case M.SnapshotEvent.EventOneofCase.Failure when pending.TryGetValue(e.Failure.Pid, out var failed):
                        if (e.Failure.Kind is M.JobFailure.Types.Kind.Outgrown or M.JobFailure.Types.Kind.Restarted && retry)
                        {
                            _jobs.Remove(e.Failure.Pid);
                            stale.Add((failed.Row, e.Failure.Pid));
                        }
                        else if (Retry(e.Failure, failed.Job) is { } resend && retry) again[e.Failure.Pid] = (failed.Row, resend);
                        else rows[failed.Row] = ProcessProbe.Failed(Host, e.Failure.Pid, failed.Job.Probe.Target.Exe, failed.Job.Probe.Binary.Version.Text,
                            new SideEyeException($"agent {agent.Address}: {e.Failure.Message}"));
                        break;
                    default:
                        throw new SideEyeException($"agent {agent.Address} answered about a process it was not asked for ({e.EventCase})");
                }
            }
        }
        catch (RpcException e) when (!cancellation.IsCancellationRequested)
        {
            var why = agent.Describe(e);
            foreach (var (pid, (row, job)) in pending)
                rows[row] ??= ProcessProbe.Failed(Host, pid, job.Probe.Target.Exe, job.Probe.Binary.Version.Text, why);
            // The agent unloads what a failed call loaded: nothing it was sent can be named by hash any more.
            _loadedOnAgent.Clear();
            return ([], []);
        }
        return (again, stale);
    }

    /// <summary>The job to send again after a failure, or null when the failure is the process's answer.</summary>
    SentJob? Retry(M.JobFailure failure, SentJob job)
    {
        switch (failure.Kind)
        {
            case M.JobFailure.Types.Kind.NotLoaded:
                _loadedOnAgent.Remove((failure.Pid, Convert.ToHexString(job.Sha256)));
                return job;
            case M.JobFailure.Types.Kind.Verifier when job.Probe.Plan is { IsEmpty: false }:
                // A spec must never cost the snapshot: without the captures the goroutines are still taken, and the row says why.
                return _jobs[failure.Pid] = Sent(job.Probe.WithoutCaptures(failure.Message));
            default:
                return null;
        }
    }

    async Task<M.ProcessList> ListAsync(IReadOnlyList<int> pids, CancellationToken cancellation)
    {
        try
        {
            var listed = await agent.Client.ListProcessesAsync(new M.ListProcessesRequest { Pids = { pids } }, agent.Call(cancellation));
            _hostname = listed.Hostname;
            return listed;
        }
        catch (RpcException e) when (!cancellation.IsCancellationRequested) { throw agent.Describe(e); }
    }

    /// <summary>The executable with <paramref name="buildId"/>, from the cache, fetched once if need be, checked to be what its name says.</summary>
    async Task<GoBinary> BinaryAsync(string buildId, CancellationToken cancellation)
    {
        if (_binaries.TryGetValue(buildId, out var known)) return known;
        var (path, fetched) = await _cache.GetAsync(agent, buildId, cancellation);
        ExecutableBytesFetched += fetched;
        var binary = GoBinary.Open(path);
        if (binary.Image.BuildId != buildId)
        {
            _cache.Evict(buildId);
            throw new SideEyeException($"agent {agent.Address}: the executable served for build ID {buildId} has build ID {binary.Image.BuildId ?? "(none)"}");
        }
        return _binaries[buildId] = binary;
    }

    static GoProcessInfo ToInfo(M.GoProcess p) => new(p.Pid, p.ExecutablePath, p.GoVersion, TimeSpan.FromTicks(p.UptimeNs / 100), p.HasGoroutines ? p.Goroutines : null)
    {
        NamespacePid = p.NamespacePid == 0 ? null : p.NamespacePid,
        BuildId = p.BuildId,
        Start = new ProcessStart(p.StartTicks, DateTimeOffset.UnixEpoch.AddTicks(p.StartTimeUnixNs / 100), TimeSpan.FromTicks(p.UptimeNs / 100)),
        CommandLine = p.CommandLine.ToArray(),
        LoadBias = p.LoadBias,
        ExecutableSize = (long)p.ExecutableSize,
        Refused = p.Allowed ? null : p.Refused,
    };

    bool _disposed;

    /// <summary>Forgets the probes; the agent unloads them when they sit idle. The connection is the caller's.</summary>
    public void Dispose() => _disposed = true;
}
