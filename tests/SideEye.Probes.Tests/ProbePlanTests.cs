using System.Text.RegularExpressions;
using SideEye.GoRuntime;
using SideEye.GoRuntime.Layouts;
using SideEye.Probes.Planning;
using SideEye.Testing;

namespace SideEye.Probes.Tests;

/// <summary>The plan carries the runtime model's numbers unchanged, for every toolchain.</summary>
public partial class ProbePlanTests
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

    /// <summary>
    /// Where the probe reads pprof labels from a map (Go 1.19–1.23), against Go: runtime.hmap and runtime.minTopHash
    /// as Go's debug/dwarf reads them from the binary (testdata/dwarfdump), and the bucket the compiler lays out for
    /// map[string]string (testdata/layouts, built with the same toolchain).
    /// </summary>
    [Theory]
    [MemberData(nameof(GoToolchains.Data), MemberType = typeof(GoToolchains))]
    public void Label_map_layout_is_what_Go_says(string release)
    {
        var binary = GoFixture.Build("parked", release);
        var plan = ProbePlan.Create(GoBinary.Open(binary));
        var hmap = DwarfDump.Run(binary, "struct", "runtime.hmap");
        var bucket = LayoutsProgram.StringMapBucket(release);
        Assert.Equal(bucket is not null, hmap.Count > 0);
        if (bucket is null)
        {
            // Swiss-table releases keep labels in a slice.
            Assert.Equal(PprofLabelsLayout.LabelSlice, plan.LabelsLayout);
            Assert.Null(plan.LabelMap);
            return;
        }

        Assert.Equal(PprofLabelsLayout.StringMap, plan.LabelsLayout);
        var map = plan.LabelMap!;
        var fields = hmap.Select(l => HmapField().Match(l)).Where(m => m.Success)
            .ToDictionary(m => m.Groups["name"].Value, m => (Offset: int.Parse(m.Groups["offset"].Value), Type: m.Groups["type"].Value));
        Assert.Equal(fields["count"], (map.Count.Offset, "int"));
        Assert.Equal(fields["B"], (map.B.Offset, "uint8"));
        Assert.Equal(fields["buckets"].Offset, map.Buckets.Offset);
        Assert.Equal(fields["oldbuckets"].Offset, map.OldBuckets.Offset);
        // amd64: int and pointers are 8 bytes, uint8 one.
        Assert.Equal((8, 1, 8, 8), (map.Count.Size, map.B.Size, map.Buckets.Size, map.OldBuckets.Size));
        Assert.Equal(new[] { fields["count"].Offset + 8, fields["B"].Offset + 1, fields["buckets"].Offset + 8, fields["oldbuckets"].Offset + 8 }.Max(), map.HeaderReadBytes);

        Assert.Equal(bucket.Size, map.BucketSize);
        Assert.Equal(bucket.Fields["topbits"], (map.TopHash, map.Slots));
        Assert.Equal(bucket.Fields["keys"], (map.Keys, PprofLabelMapLayout.StringHeaderSize * map.Slots));
        Assert.Equal(bucket.Fields["elems"], (map.Values, PprofLabelMapLayout.StringHeaderSize * map.Slots));
        Assert.Equal(Math.Max(map.HeaderReadBytes, bucket.Size), map.ScratchBytes);

        var minTopHash = DwarfDump.Run(binary, "const", "runtime.minTopHash").Single(l => l.Split(' ')[1] == "runtime.minTopHash");
        Assert.Equal(long.Parse(minTopHash.Split(' ')[2]), map.MinTopHash);
    }

    [GeneratedRegex(@"^field runtime\.hmap (?<name>\S+) offset=(?<offset>\d+) type=(?<type>.*)$")]
    private static partial Regex HmapField();
}
