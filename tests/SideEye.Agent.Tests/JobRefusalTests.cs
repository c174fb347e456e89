using Grpc.Core;
using SideEye.Bpf.Asm;
using SideEye.Loader.Contract;
using SideEye.Loader.Contract.Wire;
using SideEye.Probes.Specs;
using SideEye.Snapshots.Collection;
using SideEye.Testing;
using SideEye.Testing.Agents;
using M = SideEye.Loader.Contract.Messages;

namespace SideEye.Agent.Tests;

/// <summary>
/// The agent runs only read-only, bounded probes attached to the target's own code, for the processes its policy
/// allows: a real job altered to write user memory, send a signal, call a kernel function, pause longer than the
/// agent allows, send another trigger signal or attach elsewhere is refused with a line naming the rule, audited,
/// and nothing is loaded; a process outside the policy is refused for snapshots and for its executable.
/// </summary>
[Collection(PrivilegedAgentCollection.Name)]
[Trait("Category", "Privileged")]
public sealed class JobRefusalTests(AgentFixture fixture) : IClassFixture<AgentFixture>
{
    public static TheoryData<string, string> Alterations => new()
    {
        { "probe_write_user", "calls bpf_probe_write_user, which writes to the target's memory" },
        { "send_signal", "calls helper 109 (SendSignal), which sends a signal" },
        { "kfunc", "calls a kernel function (kfunc" },
        { "pause", "asks for a pause of up to 5000 ms; this agent allows 1000 ms (--max-pause-ms)" },
        { "signal", "its trigger signal is 9; the agent sends targets only SIGURG (23)" },
        { "elsewhere", "attaches its uprobe to /usr/bin/env, which is not process" },
        { "outside code", "outside the executable code of" },
        { "maps", "this agent allows 1024 MiB (--max-map-mb)" },
    };

    [Theory]
    [MemberData(nameof(Alterations))]
    public async Task An_altered_job_is_refused_audited_and_nothing_is_loaded(string alteration, string rule)
    {
        Requires.Root();
        using var parked = new ParkedProgram(GoToolchains.Newest, ns: fixture.Agent.Namespace);
        using var connection = fixture.Connect();
        var (process, job) = await JobFor(connection, parked.Pid);
        job = alteration switch
        {
            "probe_write_user" => WithCall(job, Asm.Call(BpfHelper.ProbeWriteUser)),
            "send_signal" => WithCall(job, Asm.Call(BpfHelper.SendSignal)),
            "kfunc" => WithCall(job, Asm.Call(BpfHelper.KtimeGetNs) with { Src = (Register)2 }),
            "pause" => job with { MaxPause = TimeSpan.FromSeconds(5) },
            "signal" => job with { Protocol = job.Protocol with { TriggerSignal = 9 } },
            "elsewhere" => job with { Trigger = new UprobeSite("/usr/bin/env", job.Trigger.FileOffset) },
            // The ELF header: mapped executable, but no instruction.
            "outside code" => job with { Trigger = job.Trigger with { FileOffset = 0 } },
            _ => job with { Maps = [.. job.Maps, Bpf.MapSpec.RingBuf("huge", 1u << 31)] },
        };
        var failure = await SnapshotExpectingFailure(connection, process, job);
        Assert.Equal(M.JobFailure.Types.Kind.Refused, failure.Kind);
        Assert.Contains(rule, failure.Message);
        Assert.StartsWith("job refused: it ", failure.Message);
        Assert.NotNull(fixture.Agent.WaitForAudit(l => (string?)l["call"] == "Snapshot" && (string?)l["outcome"] == "refused"
            && (int?)l["pid"] == parked.Pid && ((string?)l["reason"])!.Contains(rule, StringComparison.Ordinal)));
        Assert.Empty(fixture.Agent.KernelObjects());
        Assert.Empty(Procfs.StoppedThreads(parked.HostPid));
    }

    /// <summary>
    /// Before any pause, the agent checks that a job is for the process it was made for and that the probe's ring holds
    /// its goroutines: a stale job is answered so (RESTARTED, OUTGROWN), and the client lists the process again.
    /// </summary>
    [Fact]
    public async Task A_job_for_another_process_or_too_small_a_ring_is_answered_before_any_pause()
    {
        Requires.Root();
        using var parked = new ParkedProgram(GoToolchains.Newest, ns: fixture.Agent.Namespace);
        using var connection = fixture.Connect();
        var (process, job) = await JobFor(connection, parked.Pid);
        var restarted = process.Clone();
        restarted.StartTicks -= 1;
        var failure = await SnapshotExpectingFailure(connection, restarted, job);
        Assert.Equal(M.JobFailure.Types.Kind.Restarted, failure.Kind);
        failure = await SnapshotExpectingFailure(connection, process, job, maxGoroutines: 1);
        Assert.Equal(M.JobFailure.Types.Kind.Outgrown, failure.Kind);
        Assert.Matches($"^process {parked.Pid}: it has \\d+ goroutines, the probe's ring buffer holds 1$", failure.Message);
        Assert.Empty(fixture.Agent.KernelObjects());
    }

    [Fact]
    public async Task A_process_outside_the_policy_is_refused_for_snapshots_and_its_executable()
    {
        Requires.Root();
        using var agent = AgentProcess.StartTls(fixture.Fleet, extra: ["--allow", "parked"]);
        using var allowed = new ParkedProgram(GoToolchains.Newest, ns: agent.Namespace);
        using var other = new ValuesProgram(GoToolchains.Newest, ns: agent.Namespace);
        using var connection = Remote.Connection.AgentConnection.Open(agent.Address, fixture.Fleet.Client, TimeSpan.FromSeconds(60));

        var listed = await connection.Client.ListProcessesAsync(new M.ListProcessesRequest(), connection.Call());
        var outside = listed.Processes.Single(p => p.Pid == other.Pid);
        Assert.False(outside.Allowed);
        Assert.Equal($"the agent's policy does not allow snapshots of {other.BinaryPath} (--allow parked)", outside.Refused);
        Assert.True(listed.Processes.Single(p => p.Pid == allowed.Pid).Allowed);

        // A client that builds the job anyway (from its own copy of the executable) is refused.
        using var local = new LocalSnapshotter();
        var job = ProcessProbe.Make(new ProbeTarget("x", other.Pid, outside.StartTicks, outside.ExecutablePath, $"/proc/{other.Pid}/exe", outside.LoadBias, outside.Goroutines),
            GoRuntime.GoBinary.Open(other.BinaryPath), CaptureSpec.Empty, 100, TimeSpan.FromMilliseconds(500), TimeSpan.FromMilliseconds(100)).Job;
        var failure = await SnapshotExpectingFailure(connection, outside, job);
        Assert.Equal(M.JobFailure.Types.Kind.Refused, failure.Kind);
        Assert.Equal(outside.Refused, failure.Message);
        var e = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            using var call = connection.Client.GetExecutable(new M.ExecutableRequest { BuildId = outside.BuildId }, connection.Call());
            await foreach (var _ in call.ResponseStream.ReadAllAsync()) { }
        });
        Assert.Equal(StatusCode.NotFound, e.StatusCode);
        Assert.Empty(agent.KernelObjects());
        Assert.NotNull(agent.WaitForAudit(l => (string?)l["call"] == "GetExecutable" && (string?)l["outcome"] == "refused"));

        // Through the snapshotter the refusal is the process's row, in one line naming the agent.
        using var remote = new RemoteSnapshotter(connection, new Remote.Executables.ExecutableCache(Path.Combine(fixture.CacheFolder, "policy")));
        var row = Assert.Single((await remote.TakeAsync([other.Pid, allowed.Pid])).Processes, p => p.Pid == other.Pid);
        Assert.Equal(outside.Refused, row.Error);
    }

    /// <summary>The job with <paramref name="call"/> as its program's first instruction: the first thing it would do.</summary>
    static SnapshotJob WithCall(SnapshotJob job, Instruction call)
    {
        var instructions = new Instructions { call };
        foreach (var i in job.Program.Instructions) instructions.Add(i);
        Assert.Equal(job.Program.Instructions.Count + 1, instructions.Count);
        return job with { Program = job.Program with { Instructions = instructions } };
    }

    async Task<(M.GoProcess Process, SnapshotJob Job)> JobFor(Remote.Connection.AgentConnection connection, int pid)
    {
        var listed = await connection.Client.ListProcessesAsync(new M.ListProcessesRequest { Pids = { pid } }, connection.Call());
        var process = listed.Processes.Single();
        using var remote = fixture.Snapshotter(connection);
        var binary = await remote.OpenBinaryAsync(new GoRuntime.Processes.GoProcessInfo(pid, process.ExecutablePath, process.GoVersion, TimeSpan.Zero, null) { BuildId = process.BuildId });
        var probe = ProcessProbe.Make(new ProbeTarget("x", pid, process.StartTicks, process.ExecutablePath, $"/proc/{pid}/exe", process.LoadBias, process.Goroutines),
            binary, CaptureSpec.Empty, 100, TimeSpan.FromMilliseconds(500), TimeSpan.FromMilliseconds(100));
        return (process, probe.Job);
    }

    static async Task<M.JobFailure> SnapshotExpectingFailure(Remote.Connection.AgentConnection connection, M.GoProcess process, SnapshotJob job, ulong maxGoroutines = 0)
    {
        var request = new M.SnapshotRequest { Jobs = { new M.JobRequest { Pid = process.Pid, StartTicks = process.StartTicks, Job = JobWire.ToMessage(job), MaxGoroutines = maxGoroutines } } };
        using var call = connection.Client.Snapshot(request, connection.Call());
        var events = new List<M.SnapshotEvent>();
        await foreach (var e in call.ResponseStream.ReadAllAsync()) events.Add(e);
        Assert.True(events is [{ Failure: not null }], $"the agent answered {string.Join(", ", events.Select(e => e.EventCase))}, not one failure");
        return events[0].Failure;
    }
}
