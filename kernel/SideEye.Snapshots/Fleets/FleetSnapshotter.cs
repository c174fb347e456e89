using SideEye.Fleet;
using SideEye.Fleet.Agents;
using SideEye.Fleet.Programs;
using SideEye.GoRuntime;
using SideEye.GoRuntime.Processes;
using SideEye.Probes.Specs;
using SideEye.Remote.Connection;
using SideEye.Remote.Executables;
using SideEye.Snapshots.Collection;
using SideEye.Snapshots.Model;
using SideEye.Snapshots.Selection;

namespace SideEye.Snapshots.Fleets;

/// <summary>
/// Snapshots of every selected Go process on every agent of a fleet, as one <see cref="Snapshot"/>. Agents are asked
/// in parallel, each of their calls bounded by the per-agent <see cref="Timeout"/>. Phase one lists each agent's processes (with
/// the environment variables the program rules read, and no others), gives each its program and labels, keeps
/// those the selectors choose, fetches each executable once for the whole fleet (one shared
/// <see cref="ExecutableCache"/>), and has every agent load its probes. Phase two triggers every agent at one
/// instant on the client's clock, which each agent's measured clock offset turns into its own, so the processes are
/// paused as nearly together as the machines allow; each process's probe time comes back on the client's timeline.
/// An agent that cannot be reached, refuses or times out becomes a row with its error; the others are kept.
/// </summary>
public sealed class FleetSnapshotter : IDisposable
{
    /// <summary>One agent and how to talk to it, or why it cannot be talked to.</summary>
    sealed record Member(FleetAgent Agent, AgentConnection? Connection, RemoteSnapshotter? Snapshotter, string? Problem);

    /// <summary>What phase one left for phase two: the agent's prepared probes and its selected processes, or why it failed.</summary>
    sealed record Prepared(Member Member, PreparedSnapshot? Probes, IReadOnlyDictionary<int, FleetTarget> Targets, string? Problem);

    readonly IReadOnlyList<Member> _members;
    readonly ExecutableCache _cache;
    CaptureSpec _captures = CaptureSpec.Empty;

    FleetSnapshotter(FleetSpec fleet, IReadOnlyList<Member> members, ExecutableCache cache, TimeSpan timeout)
    {
        Fleet = fleet;
        _members = members;
        _cache = cache;
        Timeout = timeout;
    }

    public FleetSpec Fleet { get; }

    /// <summary>How long any one call to an agent may take before that agent counts as failed.</summary>
    public TimeSpan Timeout { get; }

    /// <summary>The agents as resolved (a DNS name may have become several).</summary>
    public IReadOnlyList<FleetAgent> Agents => _members.Select(m => m.Agent).ToArray();

    /// <summary>What to capture, as for one machine; applies to every agent's processes.</summary>
    public CaptureSpec Captures
    {
        get => _captures;
        set
        {
            _captures = value;
            foreach (var m in _members)
                if (m.Snapshotter is { } s) s.Captures = value;
        }
    }

    /// <summary>
    /// Resolves the fleet's agents and opens a connection to each (nothing is sent yet). An agent whose name does not
    /// resolve, or whose connection cannot be set up (a certificate that cannot be read), is kept with its problem.
    /// </summary>
    public static async Task<FleetSnapshotter> OpenAsync(FleetSpec fleet, FleetSnapshotOptions? options = null, CancellationToken cancellation = default)
    {
        options ??= new FleetSnapshotOptions();
        var agents = await fleet.ResolveAsync(cancellation: cancellation).ConfigureAwait(false);
        var cache = options.Cache ?? new ExecutableCache();
        var binaries = options.Binaries ?? new OpenedBinaries(options.DebugInfo);
        var members = new List<Member>();
        foreach (var agent in agents)
        {
            if (agent.Problem is { } problem)
            {
                members.Add(new Member(agent, null, null, problem));
                continue;
            }
            try
            {
                var connection = AgentConnection.Open(agent.Address, agent.Address.IsUnix ? null : fleet.Credentials ?? throw new SideEyeException(
                    $"agent {agent.Name} ({agent.Address}): a TLS agent needs the client's certificate, key and the fleet CA: the fleet file's \"tls\", or SIDEEYE_CERT, SIDEEYE_KEY, SIDEEYE_CA"),
                    options.Timeout);
                members.Add(new Member(agent, connection, new RemoteSnapshotter(connection, cache, binaries)
                {
                    Name = agent.Name,
                    MaxFrames = options.MaxFrames,
                    MaxPause = options.MaxPause,
                    FaultBudget = options.FaultBudget,
                }, null));
            }
            catch (SideEyeException e)
            {
                members.Add(new Member(agent, null, null, e.Message));
            }
        }
        return new FleetSnapshotter(fleet, members, cache, options.Timeout);
    }

    /// <summary>
    /// Every Go process of every agent that <paramref name="where"/> selects, and one target with the error for each
    /// agent that could not be asked (unless the selectors rule that agent out by its own labels).
    /// </summary>
    public async Task<IReadOnlyList<FleetTarget>> ListAsync(IReadOnlyList<Selector> where, CancellationToken cancellation = default)
    {
        var listed = await Task.WhenAll(_members.Select(m => ListMemberAsync(m, where, cancellation))).ConfigureAwait(false);
        return listed.SelectMany(l => l).ToArray();
    }

    async Task<IReadOnlyList<FleetTarget>> ListMemberAsync(Member member, IReadOnlyList<Selector> where, CancellationToken cancellation)
    {
        if (member.Snapshotter is not { } snapshotter) return Unreachable(member.Agent, member.Problem!, where);
        try
        {
            var processes = await snapshotter.ListAsync(null, Fleet.Programs.EnvironmentVariables, cancellation).ConfigureAwait(false);
            return processes.Select(p => Target(member.Agent, snapshotter.Hostname, p))
                .Where(t => where.All(s => s.Matches(Selectable(t)))).ToArray();
        }
        catch (Exception e) when (IsAgentFailure(e, cancellation))
        {
            return Unreachable(member.Agent, Why(member, e), where);
        }
    }

    FleetTarget Target(FleetAgent agent, string? hostname, GoProcessInfo process)
    {
        var facts = new ProcessFacts
        {
            ExecutableName = ProgramCaptures.ProgramName(process.Exe),
            ExecutablePath = process.Exe,
            CommandLine = process.CommandLine,
            Cgroup = process.Cgroup,
            EnvironmentVariables = process.Environment ?? new Dictionary<string, string>(),
            Host = agent.Name,
            Hostname = hostname ?? "",
            Environment = agent.Environment,
            Labels = agent.Labels,
        };
        return new FleetTarget(agent, process, hostname, Fleet.Programs.LabelsOf(facts), null);
    }

    /// <summary>What selectors see of a target: its labels, and its pid, executable, Go version and cgroup.</summary>
    static IReadOnlyDictionary<string, string> Selectable(FleetTarget target)
    {
        var labels = new Dictionary<string, string>(target.Labels, StringComparer.Ordinal);
        if (target.Process is { } p)
        {
            labels[BuiltInLabels.Pid] = p.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture);
            labels[BuiltInLabels.Exe] = p.Exe;
            labels[BuiltInLabels.GoVersion] = p.GoVersion;
            if (p.Cgroup is { } cgroup) labels[BuiltInLabels.Cgroup] = cgroup;
        }
        return labels;
    }

    /// <summary>
    /// The row of an agent that could not be asked; left out only when a selector on what the fleet file says of the
    /// agent itself (host, environment, its static labels) rules it out, since its processes are unknown.
    /// </summary>
    static IReadOnlyList<FleetTarget> Unreachable(FleetAgent agent, string why, IReadOnlyList<Selector> where)
    {
        var labels = new Dictionary<string, string>(agent.Labels, StringComparer.Ordinal) { [BuiltInLabels.Host] = agent.Name };
        if (agent.Environment is { } environment) labels[BuiltInLabels.Environment] = environment;
        var agentKeys = new HashSet<string>(agent.Labels.Keys, StringComparer.Ordinal) { BuiltInLabels.Host, BuiltInLabels.Environment };
        if (where.Where(s => agentKeys.Contains(s.Key)).Any(s => !s.Matches(labels))) return [];
        return [new FleetTarget(agent, null, null, labels, why)];
    }

    /// <summary>The executable a listed process runs, through its agent (fetched once per build ID for the fleet), to check a spec against.</summary>
    public Task<GoBinary> OpenBinaryAsync(FleetTarget target, CancellationToken cancellation = default)
    {
        var member = _members.First(m => m.Agent == target.Agent);
        if (member.Snapshotter is null || target.Process is null) throw new SideEyeException($"{target.Host}: {target.Error ?? member.Problem}");
        return member.Snapshotter.OpenBinaryAsync(target.Process, cancellation);
    }

    /// <summary>
    /// What one agent's failure may look like (every call is bounded by the connection's deadline): it fails that
    /// agent's rows and nobody else's. Only the caller's own cancellation ends the whole snapshot.
    /// </summary>
    static bool IsAgentFailure(Exception e, CancellationToken cancellation) =>
        !cancellation.IsCancellationRequested && e is SideEyeException or Grpc.Core.RpcException or OperationCanceledException or IOException;

    static string Why(Member member, Exception e)
    {
        var why = e switch
        {
            Grpc.Core.RpcException rpc when member.Connection is { } connection => connection.Describe(rpc).Message,
            OperationCanceledException => $"agent {member.Agent.Address} did not answer in time",
            _ => e.Message,
        };
        return why.Contains(member.Agent.Name, StringComparison.Ordinal) ? why : $"{member.Agent.Name}: {why}";
    }

    /// <summary>
    /// One snapshot of every process <paramref name="where"/> selects on every agent: phase one on all agents at
    /// once, then one shared instant for all. The snapshot holds a row with the error of each agent that failed.
    /// </summary>
    public async Task<FleetSnapshot> TakeAsync(IReadOnlyList<Selector> where, string? note = null, CancellationToken cancellation = default)
    {
        var (received, sent, fetched) = Counters();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var prepared = await Task.WhenAll(_members.Select(m => PrepareAsync(m, where, cancellation))).ConfigureAwait(false);
        var ready = prepared.Where(p => p.Probes is not null).ToArray();
        await RefineClocksAsync(ready, cancellation).ConfigureAwait(false);
        var phaseOne = clock.Elapsed;
        // The instant must reach every agent before it passes: a margin over the slowest Prepare call's round trip
        // (the agent's own work on it taken out), bounded: an instant missed only makes that agent late.
        var slowest = ready.Select(p => p.Probes!.RoundTrip ?? TimeSpan.Zero).DefaultIfEmpty(TimeSpan.Zero).Max();
        var lead = TriggerLead + 2 * (slowest < MaxCountedRoundTrip ? slowest : MaxCountedRoundTrip);
        var at = DateTimeOffset.UtcNow + lead;
        var taken = await Task.WhenAll(prepared.Select(p => TriggerAsync(p, at, cancellation))).ConfigureAwait(false);
        var phaseTwo = clock.Elapsed - phaseOne - lead;

        var rows = taken.SelectMany(t => t).ToArray();
        var failures = prepared.Where(p => p.Problem is not null).ToDictionary(p => p.Member.Agent.Name, p => p.Problem!, StringComparer.Ordinal);
        foreach (var row in rows.Where(r => r.Pid == 0 && r.Error is not null && !failures.ContainsKey(r.Host!))) failures[row.Host!] = row.Error!;
        var probed = rows.Where(r => r.ProbeAt is not null).Select(r => r.ProbeAt!.Value).ToArray();
        var (receivedNow, sentNow, fetchedNow) = Counters();
        return new FleetSnapshot(
            new Snapshot(0, at, note, rows),
            failures,
            probed.Length >= 2 ? probed.Max() - probed.Min() : null,
            ready.Select(p => p.Probes!.ClockUncertainty ?? TimeSpan.Zero).DefaultIfEmpty(TimeSpan.Zero).Max(),
            receivedNow - received, sentNow - sent, fetchedNow - fetched, phaseOne, phaseTwo);
    }

    /// <summary>Bytes received and sent over every agent's connection, and executable bytes fetched, so far.</summary>
    (long Received, long Sent, long Fetched) Counters() => (
        _members.Sum(m => m.Connection?.Wire.BytesReceived ?? 0),
        _members.Sum(m => m.Connection?.Wire.BytesSent ?? 0),
        _members.Sum(m => m.Snapshotter?.ExecutableBytesFetched ?? 0));

    /// <summary>The least time between the end of phase one and the shared instant, for the trigger calls to go out.</summary>
    static readonly TimeSpan TriggerLead = TimeSpan.FromMilliseconds(10);

    /// <summary>
    /// The longest round trip the lead counts (twice it, plus <see cref="TriggerLead"/>): a cold Prepare call can take
    /// many seconds, and agents refuse an instant over 30 s ahead.
    /// </summary>
    static readonly TimeSpan MaxCountedRoundTrip = TimeSpan.FromSeconds(2);

    /// <summary>A clock offset within this needs no more ReadClock calls (agents sharing a loopback measure about 0.1 ms).</summary>
    static readonly TimeSpan ClockTolerance = TimeSpan.FromMilliseconds(0.25);

    /// <summary>
    /// Tightens every ready agent's clock offset once all are prepared and quiet: a few agents at a time, since
    /// round trips made together queue behind one another on the client's CPUs and widen every estimate (measured:
    /// sixteen agents measured during phase one, all at once, were known to within 5 ms).
    /// </summary>
    static async Task RefineClocksAsync(IReadOnlyList<Prepared> ready, CancellationToken cancellation)
    {
        using var turns = new SemaphoreSlim(Math.Max(2, Environment.ProcessorCount));
        await Task.WhenAll(ready.Select(async p =>
        {
            await turns.WaitAsync(cancellation).ConfigureAwait(false);
            try { await p.Member.Snapshotter!.RefineClockAsync(p.Probes!, 4, ClockTolerance, cancellation).ConfigureAwait(false); }
            finally { turns.Release(); }
        })).ConfigureAwait(false);
    }

    async Task<Prepared> PrepareAsync(Member member, IReadOnlyList<Selector> where, CancellationToken cancellation)
    {
        var none = new Dictionary<int, FleetTarget>();
        if (member.Snapshotter is not { } snapshotter) return new Prepared(member, null, none, member.Problem);
        try
        {
            var listed = await ListMemberAsync(member, where, cancellation).ConfigureAwait(false);
            if (listed is [{ Error: { } error }]) return new Prepared(member, null, none, error);
            var targets = listed.ToDictionary(t => t.Process!.Pid);
            if (targets.Count == 0) return new Prepared(member, null, targets, null);
            var probes = await snapshotter.PrepareAsync(targets.Keys.ToArray(), cancellation, refineClock: false).ConfigureAwait(false);
            return new Prepared(member, probes, targets, null);
        }
        catch (Exception e) when (IsAgentFailure(e, cancellation))
        {
            return new Prepared(member, null, none, Why(member, e));
        }
    }

    async Task<IReadOnlyList<ProcessSnapshot>> TriggerAsync(Prepared prepared, DateTimeOffset at, CancellationToken cancellation)
    {
        var agent = prepared.Member.Agent;
        if (prepared.Problem is { } problem) return [AgentFailed(agent, problem)];
        if (prepared.Probes is not { } probes) return [];
        Snapshot snapshot;
        try
        {
            snapshot = await prepared.Member.Snapshotter!.TriggerAsync(probes, at, cancellation).ConfigureAwait(false);
        }
        catch (Exception e) when (IsAgentFailure(e, cancellation))
        {
            return [AgentFailed(agent, Why(prepared.Member, e))];
        }
        return snapshot.Processes.Select(p => p with
        {
            Host = agent.Name,
            Program = prepared.Targets.TryGetValue(p.Pid, out var t) ? t.Program : null,
            Environment = agent.Environment,
            Labels = agent.Labels,
        }).ToArray();
    }

    /// <summary>The row of an agent that gave no processes: pid 0, its error, and what the fleet file says of it.</summary>
    static ProcessSnapshot AgentFailed(FleetAgent agent, string why) =>
        ProcessProbe.Failed(agent.Name, 0, "", "", new SideEyeException(why)) with { Host = agent.Name, Environment = agent.Environment, Labels = agent.Labels };

    public void Dispose()
    {
        foreach (var m in _members)
        {
            m.Snapshotter?.Dispose();
            m.Connection?.Dispose();
        }
    }
}
