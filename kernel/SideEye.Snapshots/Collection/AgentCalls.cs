using Grpc.Core;
using SideEye.Loader.Contract.Wire;
using SideEye.Remote.Connection;
using SideEye.Snapshots.Model;
using M = SideEye.Loader.Contract.Messages;

namespace SideEye.Snapshots.Collection;

/// <summary>
/// A <see cref="RemoteSnapshotter"/>'s two calls that touch probes, Prepare and Snapshot, for a set of pending jobs:
/// the request from the book of jobs, each answer into its row (decoded, with its probe time on the client's
/// timeline) or into another try, and a failed call into every row.
/// </summary>
sealed class AgentCalls(AgentConnection agent, AgentJobs jobs, Func<string> host)
{
    /// <summary>
    /// One Prepare call for the pending processes: returns the ready ones, those to send again (with their whole job),
    /// those to list again and make a new job for, and the agent's clock offset as the call measured it.
    /// </summary>
    public async Task<(Dictionary<int, PendingJob> Ready, Dictionary<int, PendingJob> Again, List<(int Row, int Pid)> Stale, (TimeSpan Offset, TimeSpan Uncertainty)? Clock)>
        PrepareAsync(Dictionary<int, PendingJob> pending, ProcessSnapshot?[] rows, bool retry, CancellationToken cancellation)
    {
        var ready = new Dictionary<int, PendingJob>();
        var again = new Dictionary<int, PendingJob>();
        var stale = new List<(int Row, int Pid)>();
        M.PrepareReply reply;
        var sent = DateTimeOffset.UtcNow;
        try { reply = await agent.Client.PrepareAsync(jobs.Request(pending), agent.Call(cancellation)); }
        catch (RpcException e) when (!cancellation.IsCancellationRequested)
        {
            FailAll(pending, rows, agent.Describe(e));
            return (ready, again, stale, null);
        }
        var received = DateTimeOffset.UtcNow;
        foreach (var job in reply.Ready)
        {
            if (!pending.TryGetValue(job.Pid, out var made)) continue;
            jobs.Loaded(job.Pid, made.Job);
            ready[job.Pid] = made with { Reused = job.Load?.Reused ?? false };
        }
        foreach (var failure in reply.Failures)
            if (pending.TryGetValue(failure.Pid, out var job)) Failed(failure, job, rows, again, stale, retry);
        var clock = reply.Received is { } arrived && reply.Clock is { } answered ? ProbeClock.Offset(sent, received, arrived, answered) : ((TimeSpan, TimeSpan)?)null;
        return (ready, again, stale, clock);
    }

    /// <summary>
    /// One Snapshot call for the pending processes, paused at <paramref name="startAtNs"/> on the agent's clock (0:
    /// now); returns those to send again (with their whole job), and those to list again and make a new job for.
    /// </summary>
    public async Task<(Dictionary<int, PendingJob> Again, List<(int Row, int Pid)> Stale)> SnapshotAsync(Dictionary<int, PendingJob> pending,
        ProcessSnapshot?[] rows, bool retry, long startAtNs, TimeSpan? offset, CancellationToken cancellation)
    {
        var request = jobs.Request(pending);
        request.StartAtUnixNs = startAtNs;
        var again = new Dictionary<int, PendingJob>();
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
                        rows[done.Row] = Decode(e.Result, done, records.Remove(e.Result.Outcome.Pid, out var got) ? got : [], offset);
                        break;
                    case M.SnapshotEvent.EventOneofCase.Failure when pending.TryGetValue(e.Failure.Pid, out var failed):
                        Failed(e.Failure, failed, rows, again, stale, retry);
                        break;
                    default:
                        throw new SideEyeException($"agent {agent.Address} answered about a process it was not asked for ({e.EventCase})");
                }
            }
        }
        catch (RpcException e) when (!cancellation.IsCancellationRequested)
        {
            FailAll(pending, rows, agent.Describe(e));
            return ([], []);
        }
        return (again, stale);
    }

    ProcessSnapshot Decode(M.JobResult result, PendingJob done, List<byte[]> records, TimeSpan? offset)
    {
        var pid = result.Outcome.Pid;
        jobs.Loaded(pid, done.Job);
        var raw = ResultWire.Assemble(result.Outcome, records);
        // A probe readied by the Prepare call is "reused" by the Snapshot call that runs it: the Prepare call's answer says how it was had.
        var load = new ProbeLoad(VerifierStatsWire.FromMessage(result.Load?.Verifier), done.Job.Probe.PlanTime,
            TimeSpan.FromTicks((result.Load?.LoadNs ?? 0) / 100), done.Reused ?? result.Load?.Reused ?? false);
        var probe = done.Job.Probe;
        ProcessSnapshot row;
        try { row = probe.Decode(raw, load); }
        catch (SideEyeException e) { return ProcessProbe.Failed(probe.Target.Host, pid, probe.Target.Exe, probe.Binary.Version.Text, e); }
        return result.Clock is { } clock && offset is { } measured ? ProbeClock.OnTimeline(row, clock.UnixNs, clock.MonotonicNs, measured) : row;
    }

    /// <summary>A job's failure: its row's error, or the job in <paramref name="again"/> or the process in <paramref name="stale"/> for another try.</summary>
    void Failed(M.JobFailure failure, PendingJob job, ProcessSnapshot?[] rows, Dictionary<int, PendingJob> again, List<(int Row, int Pid)> stale, bool retry)
    {
        switch (jobs.After(failure, job.Job, retry))
        {
            case (AfterFailure.Remake, _):
                stale.Add((job.Row, failure.Pid));
                break;
            case (AfterFailure.Resend, { } resend):
                again[failure.Pid] = new PendingJob(job.Row, resend);
                break;
            default:
                rows[job.Row] = ProcessProbe.Failed(host(), failure.Pid, job.Job.Probe.Target.Exe, job.Job.Probe.Binary.Version.Text,
                    new SideEyeException($"agent {agent.Address}: {failure.Message}"));
                break;
        }
    }

    /// <summary>A call that failed as a whole: every pending process's row says why; the agent unloaded what the call loaded.</summary>
    void FailAll(Dictionary<int, PendingJob> pending, ProcessSnapshot?[] rows, SideEyeException why)
    {
        foreach (var (pid, (row, job, _)) in pending)
            rows[row] ??= ProcessProbe.Failed(host(), pid, job.Probe.Target.Exe, job.Probe.Binary.Version.Text, why);
        jobs.AgentForgotAll();
    }
}
