using SideEye.Bpf.Features;
using SideEye.Loader.Contract.Wire;
using SideEye.Probes.Specs;
using M = SideEye.Loader.Contract.Messages;

namespace SideEye.Snapshots.Collection;

/// <summary>A job made for a process, as it goes to the agent, and its SHA-256 (the name the agent keeps its probe by).</summary>
sealed record SentJob(ProcessProbe Probe, M.SnapshotJob Message, byte[] Sha256)
{
    public static SentJob Of(ProcessProbe probe)
    {
        var message = JobWire.ToMessage(probe.Job);
        return new SentJob(probe, message, JobWire.Sha256(message));
    }

    public string Key { get; } = Convert.ToHexString(Sha256);
}

/// <summary>A process of a snapshot on its way: its row, its job, and whether a Prepare call found its probe already loaded (null: not prepared).</summary>
sealed record PendingJob(int Row, SentJob Job, bool? Reused = null);

/// <summary>What a job's failure leads to.</summary>
enum AfterFailure
{
    /// <summary>The failure is the process's answer: its row says it.</summary>
    Answer = 0,
    /// <summary>Send the job (the one returned) again in full.</summary>
    Resend = 1,
    /// <summary>List the process again and make a new job (it restarted, or outgrew its probe's ring).</summary>
    Remake = 2,
}

/// <summary>
/// A <see cref="RemoteSnapshotter"/>'s book of jobs: the job made for each process (kept while it fits the process and
/// the spec), and which of them the agent holds loaded, so that a request names those by SHA-256 alone. It builds
/// the requests and says what each job failure leads to.
/// </summary>
sealed class AgentJobs
{
    readonly Dictionary<int, SentJob> _jobs = [];
    readonly HashSet<(int Pid, string Sha256)> _loaded = [];

    /// <summary>The job of a process whose probe still captures what <paramref name="spec"/> asks, to send without listing it first (the agent checks the rest).</summary>
    public SentJob? Current(int pid, CaptureSpec spec) => _jobs.TryGetValue(pid, out var sent) && sent.Probe.Captures(spec) ? sent : null;

    /// <summary>The job of a listed process if it still fits it (same process, same captures, ring large enough).</summary>
    public SentJob? Fitting(ProbeTarget target, CaptureSpec spec) => _jobs.TryGetValue(target.Pid, out var sent) && sent.Probe.Fits(target, spec) ? sent : null;

    public SentJob Remember(ProcessProbe probe) => _jobs[probe.Target.Pid] = SentJob.Of(probe);

    /// <summary>The agent holds the job's probe now (a Prepare or Snapshot call readied or ran it).</summary>
    public void Loaded(int pid, SentJob job) => _loaded.Add((pid, job.Key));

    /// <summary>A call failed as a whole: the agent unloaded what it loaded, so nothing can be named by SHA-256 alone.</summary>
    public void AgentForgotAll() => _loaded.Clear();

    /// <summary>The jobs of <paramref name="pending"/>, each in full unless the agent holds its probe.</summary>
    public M.SnapshotRequest Request(IReadOnlyDictionary<int, PendingJob> pending)
    {
        var request = new M.SnapshotRequest();
        foreach (var (pid, (_, job, _)) in pending)
        {
            var call = new M.JobRequest
            {
                Pid = pid,
                StartTicks = job.Probe.Target.StartTicks,
                JobSha256 = Google.Protobuf.ByteString.CopyFrom(job.Sha256),
                MaxGoroutines = (ulong)job.Probe.GoroutineCapacity,
            };
            if (!_loaded.Contains((pid, job.Key))) call.Job = job.Message;
            request.Jobs.Add(call);
        }
        return request;
    }

    /// <summary>
    /// What <paramref name="failure"/> of <paramref name="job"/> leads to; with <paramref name="retry"/> false (the
    /// last attempt) always <see cref="AfterFailure.Answer"/>. A job the agent no longer holds is sent again; one the
    /// verifier refused with captures is sent again without them (a spec must never cost the snapshot: the
    /// goroutines are still taken, and the row says why), and one whose kernel cannot run a sleepable probe without
    /// faulting pages in; a process that restarted or outgrew its ring is listed again.
    /// </summary>
    public (AfterFailure Next, SentJob? Job) After(M.JobFailure failure, SentJob job, bool retry)
    {
        if (failure.Kind == M.JobFailure.Types.Kind.NotLoaded) _loaded.Remove((failure.Pid, job.Key));
        if (!retry) return (AfterFailure.Answer, null);
        switch (failure.Kind)
        {
            case M.JobFailure.Types.Kind.Outgrown or M.JobFailure.Types.Kind.Restarted:
                _jobs.Remove(failure.Pid);
                return (AfterFailure.Remake, null);
            case M.JobFailure.Types.Kind.NotLoaded:
                return (AfterFailure.Resend, job);
            case M.JobFailure.Types.Kind.Verifier when job.Probe.Plan is { IsEmpty: false }:
                return (AfterFailure.Resend, Remember(job.Probe.WithoutCaptures(failure.Message)));
            case M.JobFailure.Types.Kind.KernelFeature when job.Probe.FaultsIn
                && failure.Message.Contains(KernelFeatures.Describe(KernelFeature.SleepableUprobe), StringComparison.Ordinal):
                return (AfterFailure.Resend, Remember(job.Probe.WithoutFaultIn(failure.Message)));
            default:
                return (AfterFailure.Answer, null);
        }
    }
}
