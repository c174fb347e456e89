using System.Reflection;
using Grpc.Core;
using Microsoft.AspNetCore.Http;
using SideEye.Agent.Audit;
using SideEye.Agent.Hosting;
using SideEye.Agent.Probes;
using SideEye.Agent.Security;
using SideEye.Bpf.Features;
using SideEye.GoRuntime.Processes;
using SideEye.Loader;
using SideEye.Loader.Contract.Wire;
using SideEye.Loader.Pause;
using SideEye.Loader.Privileges;
using SideEye.Loader.Run;
using M = SideEye.Loader.Contract.Messages;

namespace SideEye.Agent.Services;

/// <summary>
/// The agent's gRPC service. Every call comes from an authenticated caller (the listener and the authorization
/// policy see to it) and is audited, one line per process it touches. It lists and serves only Go processes its
/// policy allows, with only the environment variables a caller names; it runs only jobs that pass
/// <see cref="JobInspector"/> (<see cref="JobPreparer"/>), each process paused once per call, at the instant the
/// call names if it names one, with the call's deadline and cancellation honoured: a caller gone makes it resume
/// the target at once and unload what the call loaded. Prepare readies a call's probes without pausing anything.
/// </summary>
public sealed class AgentService(AgentOptions options, ExecutablePolicy policy, JobPreparer preparer, LoadedProbes probes,
    GoProcessScanner scanner, ExecutableServer executables, AuditLog audit) : M.Agent.AgentBase
{
    static readonly string Version = typeof(AgentService).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    public override Task<M.AgentInfo> Info(M.InfoRequest request, ServerCallContext context)
    {
        var caller = Caller.Of(context.GetHttpContext());
        var facts = HostFacts.Read();
        var info = new M.AgentInfo
        {
            AgentVersion = Version,
            Hostname = facts.Hostname,
            KernelRelease = facts.KernelRelease,
            Privileges = new M.Privileges
            {
                Euid = facts.Own.Euid,
                Root = facts.Own.IsRoot,
                Capabilities = { facts.Own.Effective.Members().Select(CapabilitySet.Name) },
                Missing = { facts.MissingCapabilities.Select(CapabilitySet.Name) },
            },
            PtraceScope = facts.PtraceScope ?? -1,
            PerfEventParanoid = facts.PerfEventParanoid ?? 0,
            Clock = AgentClock.Now(),
            Limits = new M.AgentLimits
            {
                MaxPauseNs = options.MaxPause.Ticks * 100,
                MaxMapBytes = options.MaxMapBytes,
                MaxJobsPerCall = (uint)options.MaxJobsPerCall,
                ProbeIdleNs = options.ProbeIdle.Ticks * 100,
                MaxStartAheadNs = MaxStartAhead.Ticks * 100,
            },
            Allow = { policy.Patterns },
            Caller = caller.Name,
        };
        info.Features.AddRange(facts.Features.Select(f => new M.KernelFeatureStatus
        {
            Name = KernelFeatures.Describe(f.Feature),
            Present = f.Missing is null,
            MinimumKernel = KernelFeatures.MinimumKernel(f.Feature),
            Problem = f.Missing ?? "",
        }));
        audit.Write(Entry("Info", "ok", caller));
        return Task.FromResult(info);
    }

    /// <summary>Not audited: it reads the agent's clocks and touches nothing else, and a client calls it a few times a snapshot.</summary>
    public override Task<M.Clock> ReadClock(M.ClockRequest request, ServerCallContext context) => Task.FromResult(AgentClock.Now());

    public override Task<M.ProcessList> ListProcesses(M.ListProcessesRequest request, ServerCallContext context)
    {
        var caller = Caller.Of(context.GetHttpContext());
        var names = request.EnvironmentVariables;
        if (ProcessEnvironment.Problem(names) is { } badNames)
        {
            audit.Write(Entry("ListProcesses", "refused", caller) with { Reason = badNames });
            throw new RpcException(new Status(StatusCode.InvalidArgument, badNames));
        }
        var found = scanner.List(request.Pids.Count > 0 ? request.Pids : null, names);
        var list = new M.ProcessList { Hostname = HostFacts.Read().Hostname, Clock = AgentClock.Now() };
        foreach (var p in found)
        {
            var refusal = policy.Refusal(p.Exe);
            var m = new M.GoProcess
            {
                Pid = p.Pid,
                NamespacePid = p.NamespacePid ?? 0,
                ExecutablePath = p.Exe,
                GoVersion = p.GoVersion,
                BuildId = p.BuildId,
                StartTicks = p.Start.Ticks,
                StartTimeUnixNs = (p.Start.StartedAt - DateTimeOffset.UnixEpoch).Ticks * 100,
                UptimeNs = p.Uptime.Ticks * 100,
                CommandLine = { p.CommandLine },
                LoadBias = p.LoadBias,
                Allowed = refusal is null,
                Refused = refusal ?? "",
                ExecutableSize = (ulong)p.ExecutableSize,
                Cgroup = p.Cgroup ?? "",
            };
            if (p.Goroutines is { } n) m.Goroutines = n;
            foreach (var (name, value) in p.Environment) m.Environment[name] = value;
            list.Processes.Add(m);
        }
        // The names asked for are recorded, never the values.
        audit.Write(Entry("ListProcesses", "ok", caller) with
        {
            Reason = $"{list.Processes.Count} Go processes",
            EnvironmentVariables = names.Count > 0 ? names.ToArray() : null,
        });
        return Task.FromResult(list);
    }

    public override async Task GetExecutable(M.ExecutableRequest request, IServerStreamWriter<M.ExecutableChunk> responses, ServerCallContext context)
    {
        var caller = Caller.Of(context.GetHttpContext());
        var entry = Entry("GetExecutable", "ok", caller) with { BuildId = request.BuildId };
        try
        {
            var served = await executables.ServeAsync(request.BuildId, responses, context.CancellationToken);
            audit.Write(entry with { Pid = served.Pid, Executable = served.Path, Reason = $"{served.Bytes} bytes" });
        }
        catch (JobRefusedException e)
        {
            audit.Write(entry with { Outcome = "refused", Reason = e.Message });
            throw new RpcException(new Status(StatusCode.NotFound, e.Message));
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or InvalidOperationException)
        {
            audit.Write(entry with { Outcome = "cancelled", Reason = e.Message });
            throw;
        }
    }

    public override async Task Snapshot(M.SnapshotRequest request, IServerStreamWriter<M.SnapshotEvent> responses, ServerCallContext context)
    {
        var receivedUnixNs = StartInstant.NowUnixNs();
        var caller = Caller.Of(context.GetHttpContext());
        var cancellation = context.CancellationToken;
        CheckJobs(request, "Snapshot", caller);
        var startAt = request.StartAtUnixNs;
        if (startAt > 0 && StartRefusal(startAt, context.Deadline) is { } tooFar)
        {
            audit.Write(Entry("Snapshot", "refused", caller) with { Reason = tooFar });
            throw new RpcException(new Status(StatusCode.InvalidArgument, tooFar));
        }
        // Phase one loads every job, so the pauses that follow come close together and none waits on a verifier.
        var prepared = new List<(JobCall Call, LoadedProbe Probe, bool Reused)>();
        var failed = new List<LoadedProbe>();
        var cancelled = false;
        try
        {
            foreach (var job in request.Jobs)
            {
                var call = new JobCall(job, Entry("Snapshot", "ok", caller) with
                {
                    Pid = job.Pid,
                    AheadMs = startAt > 0 ? (startAt - receivedUnixNs) / 1e6 : null,
                });
                var outcome = await Task.Run(() => preparer.Prepare(call, caller), cancellation);
                if (outcome.Failure is { } failure) await Fail(responses, call, failure, cancellation);
                else prepared.Add((call, outcome.Probe!, outcome.Reused));
            }
            // Then, holding nothing another call needs (no pause turn), until shortly before the instant; the runner
            // takes the steps that need no pause and waits out the rest precisely.
            if (startAt > 0 && prepared.Count > 0) await ApproachAsync(startAt, cancellation);
            // The processes of one call are paused one after another: the first at the instant.
            foreach (var (call, probe, reused) in prepared)
            {
                cancellation.ThrowIfCancellationRequested();
                if (!await Run(call, probe, reused, startAt, responses, cancellation)) failed.Add(probe);
            }
        }
        catch (Exception e) when (e is OperationCanceledException || cancellation.IsCancellationRequested)
        {
            // The caller went away or its deadline passed: the target already runs again (the runner resumes it
            // before it returns); what this call loaded goes.
            cancelled = true;
            audit.Write(Entry("Snapshot", "cancelled", caller) with { Reason = "the caller went away or its deadline passed; its probes were unloaded" });
            throw;
        }
        finally
        {
            foreach (var (_, probe, _) in prepared) probes.Release(probe, unload: cancelled || failed.Contains(probe));
        }
    }

    public override async Task<M.PrepareReply> Prepare(M.SnapshotRequest request, ServerCallContext context)
    {
        var received = AgentClock.Now();
        var caller = Caller.Of(context.GetHttpContext());
        var cancellation = context.CancellationToken;
        CheckJobs(request, "Prepare", caller);
        var reply = new M.PrepareReply { Received = received };
        var prepared = new List<LoadedProbe>();
        var cancelled = false;
        try
        {
            foreach (var job in request.Jobs)
            {
                var call = new JobCall(job, Entry("Prepare", "ok", caller) with { Pid = job.Pid });
                var outcome = await Task.Run(() => preparer.Prepare(call, caller), cancellation);
                if (outcome.Failure is { } failure)
                {
                    audit.Write(call.Entry with { Outcome = JobPreparer.Outcome(failure), Reason = failure.Message });
                    reply.Failures.Add(failure);
                    continue;
                }
                prepared.Add(outcome.Probe!);
                reply.Ready.Add(new M.JobReady { Pid = job.Pid, Load = JobPreparer.Load(outcome.Probe!, outcome.Reused) });
                audit.Write(call.Entry with { Reason = outcome.Reused ? "probe already loaded" : "probe loaded" });
            }
        }
        catch (Exception e) when (e is OperationCanceledException || cancellation.IsCancellationRequested)
        {
            cancelled = true;
            audit.Write(Entry("Prepare", "cancelled", caller) with { Reason = "the caller went away or its deadline passed; its probes were unloaded" });
            throw;
        }
        finally
        {
            // Kept for the Snapshot call that triggers them; one never triggered goes when idle (ProbeSweeper).
            foreach (var probe in prepared) probes.Release(probe, unload: cancelled);
        }
        reply.Clock = AgentClock.Now();
        return reply;
    }

    /// <summary>Refuses (one audit line, InvalidArgument) a call that names no process, too many, or one twice.</summary>
    void CheckJobs(M.SnapshotRequest request, string name, Caller caller)
    {
        if (request.Jobs.Count == 0 || request.Jobs.Count > options.MaxJobsPerCall)
        {
            var why = $"a {name.ToLowerInvariant()} call names 1 to {options.MaxJobsPerCall} processes, not {request.Jobs.Count}";
            audit.Write(Entry(name, "refused", caller) with { Reason = why });
            throw new RpcException(new Status(StatusCode.InvalidArgument, why));
        }
        if (request.Jobs.Select(j => j.Pid).Distinct().Count() != request.Jobs.Count)
        {
            audit.Write(Entry(name, "refused", caller) with { Reason = "a process is named twice" });
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"a {name.ToLowerInvariant()} call names each process once"));
        }
    }

    /// <summary>The furthest ahead a Snapshot call's start instant may be (and never beyond the call's deadline).</summary>
    public static readonly TimeSpan MaxStartAhead = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long before the instant the call's asynchronous wait hands over to a thread of its own, which sleeps in the
    /// kernel until just before the instant (<see cref="StartInstant"/>) and then pauses: long enough to absorb the
    /// thread pool's and the scheduler's delays on a busy machine; the process's pause turn is held from then on.
    /// </summary>
    static readonly TimeSpan Approach = TimeSpan.FromMilliseconds(100);

    /// <summary>Why a start instant is refused (too far ahead of the agent's clock), or null.</summary>
    static string? StartRefusal(long startAtUnixNs, DateTime deadline)
    {
        var ahead = TimeSpan.FromTicks((startAtUnixNs - StartInstant.NowUnixNs()) / 100);
        if (ahead > MaxStartAhead)
            return $"the snapshot is to start {ahead.TotalSeconds:F1} s ahead of the agent's clock; at most {MaxStartAhead.TotalSeconds:F0} s ahead is allowed";
        if (deadline != DateTime.MaxValue && ahead > deadline.ToUniversalTime() - DateTime.UtcNow)
            return $"the snapshot is to start {ahead.TotalSeconds:F1} s ahead of the agent's clock, after the call's deadline ({(deadline.ToUniversalTime() - DateTime.UtcNow).TotalSeconds:F1} s)";
        return null;
    }

    static async Task ApproachAsync(long startAtUnixNs, CancellationToken cancellation)
    {
        var wait = TimeSpan.FromTicks((startAtUnixNs - StartInstant.NowUnixNs()) / 100) - Approach;
        if (wait > TimeSpan.Zero) await Task.Delay(wait, cancellation);
    }

    /// <summary>Pauses and runs one prepared job and streams its records and result; false when the process failed (its probe goes).</summary>
    async Task<bool> Run(JobCall call, LoadedProbe probe, bool reused, long startAtUnixNs, IServerStreamWriter<M.SnapshotEvent> responses, CancellationToken cancellation)
    {
        Loader.Contract.RawSnapshot raw;
        using (await probes.PauseTurnAsync(probe.Pid, cancellation))
        {
            try
            {
                raw = startAtUnixNs > 0
                    ? await Task.Factory.StartNew(() => probe.Runner.Run(cancellation, startAtUnixNs), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)
                    : await Task.Run(() => probe.Runner.Run(cancellation), CancellationToken.None);
            }
            catch (SideEyeException e)
            {
                // The process is gone or could not be paused, or the kernel refused a map write: its probe goes.
                var kind = e is TargetProcessException ? M.JobFailure.Types.Kind.Target : M.JobFailure.Types.Kind.Error;
                await Fail(responses, call, new M.JobFailure { Pid = probe.Pid, Kind = kind, Message = e.Message }, cancellation);
                return false;
            }
        }
        foreach (var chunk in ResultWire.Chunks(raw))
            await responses.WriteAsync(new M.SnapshotEvent { Records = chunk }, cancellation);
        var result = new M.JobResult { Outcome = ResultWire.Outcome(raw), Load = JobPreparer.Load(probe, reused), Clock = AgentClock.Now() };
        await responses.WriteAsync(new M.SnapshotEvent { Result = result }, cancellation);
        audit.Write(call.Entry with { PauseMs = raw.Timings.PauseNs / 1e6, StopLateMs = StopLate(raw.Timings, startAtUnixNs), Reason = raw.Incomplete });
        return true;
    }

    /// <summary>How long after the instant asked for every thread was stopped, in milliseconds; null without an instant.</summary>
    static double? StopLate(Loader.Contract.PauseTimings timings, long startAtUnixNs)
    {
        if (startAtUnixNs <= 0 || timings.StoppedAtNs <= 0) return null;
        return (StartInstant.UnixNsOf(timings.StoppedAtNs) - startAtUnixNs) / 1e6;
    }

    async Task Fail(IServerStreamWriter<M.SnapshotEvent> responses, JobCall call, M.JobFailure failure, CancellationToken cancellation)
    {
        audit.Write(call.Entry with { Outcome = JobPreparer.Outcome(failure), Reason = failure.Message });
        await responses.WriteAsync(new M.SnapshotEvent { Failure = failure }, cancellation);
    }

    static AuditEntry Entry(string call, string outcome, Caller caller) =>
        new(call, outcome) { Caller = caller.Name, Thumbprint = caller.Thumbprint, From = caller.Endpoint };
}
