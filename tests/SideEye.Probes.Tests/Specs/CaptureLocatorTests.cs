using SideEye.GoRuntime;
using SideEye.Probes.Specs;
using SideEye.Testing;

namespace SideEye.Probes.Tests.Specs;

/// <summary>
/// Locations of testdata/demo's main.process(j *Job, results chan&lt;- int64) parameters, against Go's register
/// ABI (ABIInternal: integer arguments in RAX, RBX, …, DWARF registers 0 and 3; their spill slots at the bottom
/// of the caller's outgoing area, so at CFA+0 and CFA+8).
/// </summary>
public class CaptureLocatorTests
{
    [Theory]
    [MemberData(nameof(GoToolchains.Data), MemberType = typeof(GoToolchains))]
    public void At_entry_arguments_are_in_their_ABI_registers_and_gone_from_outer_frames(string release)
    {
        var resolver = new CaptureResolver(GoBinary.Open(GoFixture.Build("demo", GoToolchains.Get(release))));
        var fn = resolver.Function("main.process");
        var j = resolver.Resolve("main.process", "j").Local!;
        var results = resolver.Resolve("main.process", "results").Local!;

        var jAtEntry = CaptureLocator.Locate(j, fn.LowPc, innermost: true, fn.Unit);
        Assert.True(jAtEntry.IsAvailable, jAtEntry.Unavailable);
        Assert.Equal(new CapturePiece(CapturePieceKind.Register, 0, 0, 0), Assert.Single(jAtEntry.Pieces));
        Assert.Equal(3, Assert.Single(CaptureLocator.Locate(results, fn.LowPc, innermost: true, fn.Unit).Pieces).Register);

        var outer = CaptureLocator.Locate(j, fn.LowPc, innermost: false, fn.Unit);
        Assert.False(outer.IsAvailable);
        Assert.Contains("register", outer.Unavailable);
        // Outside the function the location list has nothing.
        Assert.Equal("not available at pc", CaptureLocator.Locate(j, fn.HighPc + 0x100000, innermost: true, fn.Unit).Unavailable);
    }

    [Theory]
    [MemberData(nameof(GoToolchains.Data), MemberType = typeof(GoToolchains))]
    public void Without_optimizations_arguments_live_in_their_spill_slots_readable_from_any_frame(string release)
    {
        var resolver = new CaptureResolver(GoBinary.Open(GoFixture.Build("demo", GoToolchains.Get(release), GoBuildFlags.NoOptimizations)));
        var fn = resolver.Function("main.process");
        var body = fn.HighPc - 1; // well after the prologue's spills
        var j = CaptureLocator.Locate(resolver.Resolve("main.process", "j").Local!, body, innermost: false, fn.Unit);
        var results = CaptureLocator.Locate(resolver.Resolve("main.process", "results").Local!, body, innermost: false, fn.Unit);
        Assert.True(j.IsAvailable, j.Unavailable);
        Assert.Equal((CapturePieceKind.Stack, 0L), (Assert.Single(j.Pieces).Kind, j.Pieces[0].CfaOffset));
        Assert.Equal((CapturePieceKind.Stack, 8L), (Assert.Single(results.Pieces).Kind, results.Pieces[0].CfaOffset));
    }
}
