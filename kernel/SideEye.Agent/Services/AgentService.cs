using System.Reflection;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.AspNetCore.Http;
using SideEye.Agent.Audit;
using SideEye.Agent.Hosting;
using SideEye.Agent.Probes;
using SideEye.Agent.Security;
using SideEye.Bpf;
using SideEye.Bpf.Features;
using SideEye.GoRuntime.Processes;
using SideEye.Loader;
using SideEye.Loader.Contract.Wire;
using SideEye.Loader.Privileges;
using M = SideEye.Loader.Contract.Messages;

namespace SideEye.Agent.Services;

/// <summary>
/// The agent's gRPC service. Every call comes from an authenticated caller (the listener and the authorization
/// policy see to it) and is audited, one line per process it touches. It lists and serves only Go processes its
/// policy allows; it runs only jobs that pass <see cref="JobInspector"/>, each process paused once per call, with
/// the call's deadline and cancellation honoured: a caller gone makes it resume the target at once and unload what
/// the call loaded.
/// </summary>
public sealed class AgentService(AgentOptions options, ExecutablePolicy policy, JobInspector inspector, LoadedProbes probes,
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

    public override Task<M.ProcessList> ListProcesses(M.ListProcessesRequest request, ServerCallContext context)
    {
        var caller = Caller.Of(context.GetHttpContext());
        var found = scanner.List(request.Pids.Count > 0 ? request.Pids : null);
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
            };
            if (p.Goroutines is { } n) m.Goroutines = n;
            list.Processes.Add(m);
        }
        audit.Write(Entry("ListProcesses", "ok", caller) with { Reason = $"{list.Processes.Count} Go processes" });
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
        var caller = Caller.Of(context.GetHttpContext());
        var cancellation = context.CancellationToken;
        if (request.Jobs.Count == 0 || request.Jobs.Count > options.MaxJobsPerCall)
        {
            var why = $"a snapshot call names 1 to {options.MaxJobsPerCall} processes, not {request.Jobs.Count}";
            audit.Write(Entry("Snapshot", "refused", caller) with { Reason = why });
            throw new RpcException(new Status(StatusCode.InvalidArgument, why));
        }
        if (request.Jobs.Select(j => j.Pid).Distinct().Count() != request.Jobs.Count)
        {
            audit.Write(Entry("Snapshot", "refused", caller) with { Reason = "a process is named twice" });
            throw new RpcException(new Status(StatusCode.InvalidArgument, "a snapshot call names each process once"));
        }
        // Phase one loads every job, so the pauses that follow come close together and none waits on a verifier.
        var prepared = new List<(JobCall Call, LoadedProbe Probe, bool Reused)>();
        var failed = new List<LoadedProbe>();
        var cancelled = false;
        try
        {
            foreach (var job in request.Jobs)
            {
                var call = new JobCall(job, Entry("Snapshot", "ok", caller) with { Pid = job.Pid });
                var outcome = await Task.Run(() => Prepare(call, caller), cancellation);
                if (outcome.Failure is { } failure) await Fail(responses, call, failure, cancellation);
                else prepared.Add((call, outcome.Probe!, outcome.Reused));
            }
            foreach (var (call, probe, reused) in prepared)
            {
                cancellation.ThrowIfCancellationRequested();
                if (!await Run(call, probe, reused, responses, cancellation)) failed.Add(probe);
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

    /// <summary>One job of a Snapshot call: what was asked, and the audit line it will write.</summary>
    sealed class JobCall(M.JobRequest request, AuditEntry entry)
    {
        public M.JobRequest Request { get; } = request;
        public AuditEntry Entry { get; set; } = entry;
    }

    (LoadedProbe? Probe, bool Reused, M.JobFailure? Failure) Prepare(JobCall call, Caller caller)
    {
        var request = call.Request;
        var pid = request.Pid;
        M.JobFailure Failure(M.JobFailure.Types.Kind kind, string message, VerifierStats? stats = null)
        {
            var f = new M.JobFailure { Pid = pid, Kind = kind, Message = message };
            if (stats is not null) f.Verifier = VerifierStatsWire.ToMessage(stats);
            return f;
        }
        var exe = ReadExe(pid);
        if (exe is null || ProcessStart.Read(pid) is not { } start) return (null, false, Failure(M.JobFailure.Types.Kind.Target, $"process {pid}: no such process"));
        call.Entry = call.Entry with { Executable = exe };
        if (start.Ticks != request.StartTicks)
            return (null, false, Failure(M.JobFailure.Types.Kind.Restarted, $"process {pid}: it is not the process the job was made for (it started at tick {start.Ticks}, the job's at {request.StartTicks}): list the processes again"));
        if (policy.Refusal(exe) is { } refused) return (null, false, Failure(M.JobFailure.Types.Kind.Refused, refused));
        if (scanner.FactsOf(pid) is not { } facts) return (null, false, Failure(M.JobFailure.Types.Kind.Target, $"process {pid}: not a Go process the agent can read"));
        call.Entry = call.Entry with { BuildId = facts.BuildId };
        // The ring buffer must hold every goroutine's record, or the snapshot would be partial: checked before any pause.
        if (request.MaxGoroutines > 0 && scanner.GoroutinesOf(pid) is { } goroutines && (ulong)goroutines > request.MaxGoroutines)
            return (null, false, Failure(M.JobFailure.Types.Kind.Outgrown, $"process {pid}: it has {goroutines} goroutines, the probe's ring buffer holds {request.MaxGoroutines}"));
        var sha256 = request.JobSha256.ToByteArray();
        Loader.Contract.SnapshotJob? job = null;
        var programSha256 = "";
        if (request.Job is { } message)
        {
            var computed = JobWire.Sha256(message);
            if (sha256.Length > 0 && !computed.AsSpan().SequenceEqual(sha256))
                return (null, false, Failure(M.JobFailure.Types.Kind.Refused, "job refused: its SHA-256 is not the one the call names"));
            sha256 = computed;
            programSha256 = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(message.Program?.ToByteArray() ?? []));
            call.Entry = call.Entry with { ProgramSha256 = programSha256 };
            try
            {
                job = JobWire.FromMessage(message);
                inspector.Inspect(job, pid, facts, exe);
            }
            catch (SideEyeException e) when (e is JobRefusedException || e.Message.StartsWith("malformed", StringComparison.Ordinal))
            {
                return (null, false, Failure(M.JobFailure.Types.Kind.Refused, e.Message));
            }
        }
        else if (sha256.Length == 0) return (null, false, Failure(M.JobFailure.Types.Kind.Refused, "job refused: the call sends neither a job nor the SHA-256 of one"));
        try
        {
            var (probe, reused) = probes.Acquire(caller.Key, pid, start.Ticks, sha256, job, programSha256);
            if (probe is null)
                return (null, false, Failure(M.JobFailure.Types.Kind.NotLoaded, $"process {pid}: the agent holds no probe with that SHA-256 for this client (dropped or never loaded): send the job"));
            call.Entry = call.Entry with { ProgramSha256 = probe.ProgramSha256 };
            return (probe, reused, null);
        }
        catch (VerifierException e) { return (null, false, Failure(M.JobFailure.Types.Kind.Verifier, e.Message, e.Stats)); }
        catch (KernelFeatureException e) { return (null, false, Failure(M.JobFailure.Types.Kind.KernelFeature, e.Message)); }
        catch (TargetProcessException e) { return (null, false, Failure(M.JobFailure.Types.Kind.Target, e.Message)); }
        catch (SideEyeException e) { return (null, false, Failure(M.JobFailure.Types.Kind.Error, e.Message)); }
    }

    /// <summary>Pauses and runs one prepared job and streams its records and result; false when the process failed (its probe goes).</summary>
    async Task<bool> Run(JobCall call, LoadedProbe probe, bool reused, IServerStreamWriter<M.SnapshotEvent> responses, CancellationToken cancellation)
    {
        Loader.Contract.RawSnapshot raw;
        using (await probes.PauseTurnAsync(probe.Pid, cancellation))
        {
            try
            {
                raw = await Task.Run(() => probe.Runner.Run(cancellation), CancellationToken.None);
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
        var load = new M.ProbeLoad { LoadNs = probe.Runner.LoadTime.Ticks * 100, Reused = reused };
        if (probe.Runner.VerifierStats is { } stats) load.Verifier = VerifierStatsWire.ToMessage(stats);
        await responses.WriteAsync(new M.SnapshotEvent { Result = new M.JobResult { Outcome = ResultWire.Outcome(raw), Load = load, Clock = AgentClock.Now() } }, cancellation);
        audit.Write(call.Entry with { PauseMs = raw.Timings.PauseNs / 1e6, Reason = raw.Incomplete });
        return true;
    }

    async Task Fail(IServerStreamWriter<M.SnapshotEvent> responses, JobCall call, M.JobFailure failure, CancellationToken cancellation)
    {
        var outcome = failure.Kind switch
        {
            M.JobFailure.Types.Kind.Refused => "refused",
            M.JobFailure.Types.Kind.NotLoaded or M.JobFailure.Types.Kind.Outgrown or M.JobFailure.Types.Kind.Restarted => "stale",
            _ => "failed",
        };
        audit.Write(call.Entry with { Outcome = outcome, Reason = failure.Message });
        await responses.WriteAsync(new M.SnapshotEvent { Failure = failure }, cancellation);
    }

    static string? ReadExe(int pid)
    {
        try { return File.ResolveLinkTarget($"/proc/{pid}/exe", returnFinalTarget: false)?.FullName; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }

    static AuditEntry Entry(string call, string outcome, Caller caller) =>
        new(call, outcome) { Caller = caller.Name, Thumbprint = caller.Thumbprint, From = caller.Endpoint };
}
