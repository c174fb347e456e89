using SideEye.GoRuntime;
using SideEye.Probes.Planning;
using SideEye.Testing;

namespace SideEye.Probes.Tests;

/// <summary>The plan carries the runtime model's numbers unchanged, for every toolchain.</summary>
public class ProbePlanTests
{
    [Theory]
    [MemberData(nameof(GoToolchains.Data), MemberType = typeof(GoToolchains))]
    public void Plan_offsets_equal_the_runtime_model(string release)
    {
        var bin = GoBinary.Open(GoFixture.Build("parked", release));
        var model = bin.Runtime;
        var plan = ProbePlan.Create(bin);
        var layout = model.Layout;

        Assert.Equal(layout.GSize, plan.GSize);
        foreach (var (field, path) in new[]
                 {
                     (plan.Goid, "goid"), (plan.Status, "atomicstatus"), (plan.WaitReason, "waitreason"), (plan.WaitSince, "waitsince"),
                     (plan.SchedPc, "sched.pc"), (plan.SchedSp, "sched.sp"), (plan.SchedBp, "sched.bp"),
                     (plan.SyscallPc, "syscallpc"), (plan.SyscallSp, "syscallsp"), (plan.StackLo, "stack.lo"), (plan.StackHi, "stack.hi"),
                     (plan.M, "m"), (plan.GoPc, "gopc"), (plan.StartPc, "startpc"), (plan.Labels, "labels"),
                 })
            Assert.Equal((path, layout.G(path).Offset, layout.G(path).Size), (path, field.Offset, field.Size));
        Assert.Equal(layout.TryGet("g.syscallbp")?.Offset, plan.SyscallBp?.Offset);
        Assert.Equal(layout.TryGet("g.parentGoid")?.Offset, plan.ParentGoid?.Offset);
        Assert.Equal(layout.M("procid").Offset, plan.MProcId.Offset);

        Assert.Equal(model.Statuses.Running, plan.StatusRunning);
        Assert.Equal(model.Statuses.Syscall, plan.StatusSyscall);
        Assert.Equal(model.Statuses.ScanBit, plan.ScanBit);
        Assert.Contains(model.Statuses.Dead, plan.SkippedStatuses);
        Assert.Contains(model.Statuses.Idle, plan.SkippedStatuses);
        Assert.Equal(model.Statuses.ByName.ContainsKey("_Gdeadextra") ? 3 : 2, plan.SkippedStatuses.Count);
        Assert.Equal(model.Variables.AllGs, plan.AllGs);
        Assert.Equal(model.Variables.AllGLen, plan.AllGLen);

        Assert.Equal("runtime.goexit", bin.Pclntab.FindFunction(plan.GoexitStart)!.Name);
        Assert.Equal("runtime.sigtramp", bin.Pclntab.FindFunction(plan.SigtrampAddress)!.Name);
        Assert.Equal((ulong?)bin.Image.FileOffsetOf(plan.SigtrampAddress), plan.SigtrampFileOffset);
        // Every syscall return site follows a call to entersyscall(block) and has the pcsp frame size recorded.
        Assert.NotEmpty(plan.SyscallSpDeltas);
        foreach (var (pc, delta) in plan.SyscallSpDeltas)
            Assert.Equal(bin.Pclntab.SpDelta(pc), delta);

        // Deterministic: the same binary gives the same plan.
        var again = ProbePlan.Create(GoBinary.Open(bin.Path));
        Assert.Equal(plan with { SyscallSpDeltas = again.SyscallSpDeltas, SkippedStatuses = again.SkippedStatuses }, again);
        Assert.Equal(plan.SyscallSpDeltas.OrderBy(kv => kv.Key), again.SyscallSpDeltas.OrderBy(kv => kv.Key));
    }
}
