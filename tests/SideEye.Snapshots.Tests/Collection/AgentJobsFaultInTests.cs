using SideEye.Bpf.Features;
using SideEye.GoRuntime;
using SideEye.Probes.Specs;
using SideEye.Snapshots.Collection;
using SideEye.Testing;
using M = SideEye.Loader.Contract.Messages;

namespace SideEye.Snapshots.Tests.Collection;

/// <summary>
/// Through an agent on a kernel without sleepable uprobes (before 6.0), the agent fails the faulting job for the missing
/// feature, and the client sends the job that does not fault instead, its row saying why; any other missing feature
/// stays the answer. (No kernel that old is here to run an agent on: the failure is the one such an agent sends.)
/// </summary>
public sealed class AgentJobsFaultInTests
{
    [Fact]
    public void A_missing_sleepable_uprobe_feature_resends_the_job_without_faulting()
    {
        var binary = GoBinary.Open(GoFixture.Build("parked", GoToolchains.Newest));
        var target = new ProbeTarget("h", 4242, 1, binary.Path, binary.Path, 0, 10);
        var probe = ProcessProbe.Make(target, binary, CaptureSpec.Empty, 100, TimeSpan.FromMilliseconds(500), TimeSpan.FromMilliseconds(100));
        Assert.True(probe.FaultsIn);
        Assert.Contains(KernelFeature.SleepableUprobe, probe.Job.RequiredFeatures);
        var jobs = new AgentJobs();
        var sent = jobs.Remember(probe);
        Assert.True(sent.Message.Program.Sleepable);

        var missing = $"kernel feature {KernelFeatures.Describe(KernelFeature.SleepableUprobe)} is not available (needs Linux 6.0+, running 5.19.0): Only fentry/fexit/fmod_ret, lsm, and iter programs can be sleepable";
        var (next, resent) = jobs.After(new M.JobFailure { Pid = 4242, Kind = M.JobFailure.Types.Kind.KernelFeature, Message = missing }, sent, retry: true);
        Assert.Equal(AfterFailure.Resend, next);
        Assert.False(resent!.Probe.FaultsIn);
        Assert.False(resent.Message.Program.Sleepable);
        Assert.DoesNotContain(KernelFeature.SleepableUprobe, resent.Probe.Job.RequiredFeatures);
        Assert.Equal($"pages that are not resident were not faulted in: {missing}", resent.Probe.FaultInDropped);

        // A feature the probe cannot do without is the answer, not a reason to resend.
        var ring = jobs.After(new M.JobFailure { Pid = 4242, Kind = M.JobFailure.Types.Kind.KernelFeature, Message = "kernel feature BPF ring buffer map is not available (needs Linux 5.8+)" }, SentJob.Of(probe), retry: true);
        Assert.Equal(AfterFailure.Answer, ring.Next);
    }
}
