using Google.Protobuf;
using SideEye.Agent.Audit;
using SideEye.Agent.Probes;
using SideEye.Agent.Security;
using SideEye.Bpf;
using SideEye.GoRuntime.Processes;
using SideEye.Loader;
using SideEye.Loader.Contract.Wire;
using M = SideEye.Loader.Contract.Messages;

namespace SideEye.Agent.Services;

/// <summary>One job of a Snapshot or Prepare call: what was asked, and the audit line it will write.</summary>
sealed class JobCall(M.JobRequest request, AuditEntry entry)
{
    public M.JobRequest Request { get; } = request;
    public AuditEntry Entry { get; set; } = entry;
}

/// <summary>A job made ready to pause its process: its probe (loaded now, or kept from an earlier call), or why it cannot run.</summary>
readonly record struct PreparedJob(LoadedProbe? Probe, bool Reused, M.JobFailure? Failure);

/// <summary>
/// Everything a job needs short of the pause, for Snapshot and Prepare alike: the process is the one the job was made
/// for (start ticks), the policy allows its executable, it still fits the probe's ring buffer, the job passes
/// <see cref="JobInspector"/>, and its probe is loaded or found warm by the job's SHA-256. A probe it returns is in
/// use until the call releases it (<see cref="LoadedProbes.Release"/>).
/// </summary>
public sealed class JobPreparer(ExecutablePolicy policy, JobInspector inspector, LoadedProbes probes, GoProcessScanner scanner)
{
    internal PreparedJob Prepare(JobCall call, Caller caller)
    {
        var request = call.Request;
        var pid = request.Pid;
        PreparedJob Failure(M.JobFailure.Types.Kind kind, string message, VerifierStats? stats = null)
        {
            var f = new M.JobFailure { Pid = pid, Kind = kind, Message = message };
            if (stats is not null) f.Verifier = VerifierStatsWire.ToMessage(stats);
            return new PreparedJob(null, false, f);
        }
        var exe = ReadExe(pid);
        if (exe is null || ProcessStart.Read(pid) is not { } start) return Failure(M.JobFailure.Types.Kind.Target, $"process {pid}: no such process");
        call.Entry = call.Entry with { Executable = exe };
        if (start.Ticks != request.StartTicks)
            return Failure(M.JobFailure.Types.Kind.Restarted, $"process {pid}: it is not the process the job was made for (it started at tick {start.Ticks}, the job's at {request.StartTicks}): list the processes again");
        if (policy.Refusal(exe) is { } refused) return Failure(M.JobFailure.Types.Kind.Refused, refused);
        if (scanner.FactsOf(pid) is not { } facts) return Failure(M.JobFailure.Types.Kind.Target, $"process {pid}: not a Go process the agent can read");
        call.Entry = call.Entry with { BuildId = facts.BuildId };
        // The ring buffer must hold every goroutine's record, or the snapshot would be partial: checked before any pause.
        if (request.MaxGoroutines > 0 && scanner.GoroutinesOf(pid) is { } goroutines && (ulong)goroutines > request.MaxGoroutines)
            return Failure(M.JobFailure.Types.Kind.Outgrown, $"process {pid}: it has {goroutines} goroutines, the probe's ring buffer holds {request.MaxGoroutines}");
        var sha256 = request.JobSha256.ToByteArray();
        Loader.Contract.SnapshotJob? job = null;
        var programSha256 = "";
        if (request.Job is { } message)
        {
            var computed = JobWire.Sha256(message);
            if (sha256.Length > 0 && !computed.AsSpan().SequenceEqual(sha256))
                return Failure(M.JobFailure.Types.Kind.Refused, "job refused: its SHA-256 is not the one the call names");
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
                return Failure(M.JobFailure.Types.Kind.Refused, e.Message);
            }
        }
        else if (sha256.Length == 0) return Failure(M.JobFailure.Types.Kind.Refused, "job refused: the call sends neither a job nor the SHA-256 of one");
        try
        {
            var (probe, reused) = probes.Acquire(caller.Key, pid, start.Ticks, sha256, job, programSha256);
            if (probe is null)
                return Failure(M.JobFailure.Types.Kind.NotLoaded, $"process {pid}: the agent holds no probe with that SHA-256 for this client (dropped or never loaded): send the job");
            call.Entry = call.Entry with { ProgramSha256 = probe.ProgramSha256 };
            return new PreparedJob(probe, reused, null);
        }
        catch (VerifierException e) { return Failure(M.JobFailure.Types.Kind.Verifier, e.Message, e.Stats); }
        catch (KernelFeatureException e) { return Failure(M.JobFailure.Types.Kind.KernelFeature, e.Message); }
        catch (TargetProcessException e) { return Failure(M.JobFailure.Types.Kind.Target, e.Message); }
        catch (SideEyeException e) { return Failure(M.JobFailure.Types.Kind.Error, e.Message); }
    }

    /// <summary>How a probe was had, as replies report it.</summary>
    internal static M.ProbeLoad Load(LoadedProbe probe, bool reused)
    {
        var load = new M.ProbeLoad { LoadNs = probe.Runner.LoadTime.Ticks * 100, Reused = reused };
        if (probe.Runner.VerifierStats is { } stats) load.Verifier = VerifierStatsWire.ToMessage(stats);
        return load;
    }

    /// <summary>The audit outcome of a job that failed.</summary>
    internal static string Outcome(M.JobFailure failure) => failure.Kind switch
    {
        M.JobFailure.Types.Kind.Refused => "refused",
        M.JobFailure.Types.Kind.NotLoaded or M.JobFailure.Types.Kind.Outgrown or M.JobFailure.Types.Kind.Restarted => "stale",
        _ => "failed",
    };

    static string? ReadExe(int pid)
    {
        try { return File.ResolveLinkTarget($"/proc/{pid}/exe", returnFinalTarget: false)?.FullName; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }
}
