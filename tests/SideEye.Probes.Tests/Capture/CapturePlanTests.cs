using SideEye.Binary.Dwarf.Types;
using SideEye.GoRuntime;
using SideEye.Probes.Capture;
using SideEye.Probes.Specs;
using SideEye.Testing;

namespace SideEye.Probes.Tests.Capture;

/// <summary>The capture plan, kernel-free, on every toolchain's testdata/requests and testdata/demo.</summary>
public sealed class CapturePlanTests
{
    static CapturePlan Plan(string program, string release, params (string Function, string[] Expressions)[] functions) =>
        CapturePlan.Create(GoBinary.Open(GoFixture.Build(program, GoToolchains.Get(release))),
            new ProgramCaptures(program, functions.Select(f => new FunctionCapture(f.Function, f.Expressions)).ToArray()), CaptureLimits.Default);

    [Theory]
    [MemberData(nameof(GoToolchains.Data), MemberType = typeof(GoToolchains))]
    public void Intervals_are_sorted_disjoint_and_cover_the_function_where_its_call_returns(string release)
    {
        var bin = GoBinary.Open(GoFixture.Build("requests", GoToolchains.Get(release)));
        var plan = Plan("requests", release, ("main.(*server).handle", ["req.ID", "req.Path", "len(req.Tags)"]));
        Assert.NotEmpty(plan.Intervals);
        for (var i = 1; i < plan.Intervals.Count; i++) Assert.True(plan.Intervals[i - 1].High <= plan.Intervals[i].Low);
        var fn = bin.Pclntab.Functions.Single(f => f.Name == "main.(*server).handle");
        Assert.All(plan.Intervals, iv => Assert.True(iv.Low >= fn.Entry && iv.High <= fn.End, $"{iv} outside {fn.Name}"));
        // Where the goroutine is parked (returning from its channel receive) req is on the stack: a CFA-relative piece.
        var withStackRoot = plan.Intervals.Where(iv => plan.FramePlans[iv.Plan].Roots.Any(r => r.Pieces.Any(p => p.Kind == RootPieceKind.Stack))).ToArray();
        Assert.NotEmpty(withStackRoot);
    }

    [Theory]
    [MemberData(nameof(GoToolchains.Data), MemberType = typeof(GoToolchains))]
    public void Paths_dereference_once_per_pointer_and_end_where_the_value_lies(string release)
    {
        var bin = GoBinary.Open(GoFixture.Build("requests", GoToolchains.Get(release)));
        var plan = Plan("requests", release, ("main.(*server).handle", ["req", "req.Path", "req.Owner.name", "len(req.Tags)", "req.Tags[0]"]));
        var request = bin.Dwarf!.FindType("main.request")!;
        var server = bin.Dwarf!.FindType("main.server")!;
        var paths = plan.Expressions.ToDictionary(e => e.Text, e => e.Path);
        Assert.Empty(paths["req"].Steps);
        Assert.Equal([new CaptureStep(0, 0, (int)request.Size)], paths["req.Path"].Steps);
        Assert.Equal((int)request.Field("Path")!.Offset, paths["req.Path"].FinalOffset);
        Assert.Equal(2, paths["req.Owner.name"].Steps.Count);
        Assert.Equal(new CaptureStep((int)request.Field("Owner")!.Offset, 0, (int)server.Size), paths["req.Owner.name"].Steps[1]);
        Assert.Equal(GatherTypeTable.None, paths["len(req.Tags)"].FinalType);
        Assert.Equal(new CaptureStep((int)request.Field("Tags")!.Offset, 0, 16), paths["req.Tags[0]"].Steps[1]);
        Assert.Equal("string", plan.Types.Types[paths["req.Tags[0]"].FinalType].Name);
    }

    [Theory]
    [MemberData(nameof(GoToolchains.Data), MemberType = typeof(GoToolchains))]
    public void Maps_are_read_by_their_runtime_layout(string release)
    {
        var bin = GoBinary.Open(GoFixture.Build("demo", GoToolchains.Get(release)));
        var mapType = bin.Dwarf!.TypeNames.Select(n => bin.Dwarf.FindType(n)!).First(t => t.Name == "map[string]int" || (t.Kind == GoKind.Map && t.Name.StartsWith("map[string]", StringComparison.Ordinal)));
        var table = new GatherTypeTable(CaptureLimits.Default, bin.Version);
        var header = table.Types[table.Slots[table.Types[table.IdOf(mapType)].FirstSlot].Child];
        var slots = table.Slots.Skip(header.FirstSlot).Take(header.SlotCount).ToArray();
        var swiss = GoToolchains.Get(release).Minor >= 24;
        if (swiss) Assert.Equal([GatherSlotKind.SwissDirectory], slots.Select(s => s.Kind));
        else Assert.Equal([GatherSlotKind.Shift, GatherSlotKind.ShiftOld], slots.Select(s => s.Kind));
        Assert.All(slots, s => Assert.False(s.CostsDepth));
    }
}
