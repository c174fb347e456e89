using SideEye.GoRuntime.Goroutines;
using SideEye.GoRuntime.Memory;
using SideEye.GoRuntime.Stacks;
using SideEye.Testing;

namespace SideEye.GoRuntime.Tests;

/// <summary>
/// The reference reader (goroutines through /proc/PID/mem, pcsp unwinding, runtime.Stack symbolization) and
/// the frame-pointer walk the probe will use, against the runtime.Stack dump the parked program wrote itself.
/// </summary>
[Trait("Category", "Privileged")]
public class ReferenceSnapshotTests
{
    [Theory]
    [MemberData(nameof(GoToolchains.Data), MemberType = typeof(GoToolchains))]
    public void ParkedGoroutinesMatchTheirOwnRuntimeStackDump(string release)
    {
        Requires.Root();
        var toolchain = GoToolchains.Get(release);
        using var parked = new ParkedProgram(toolchain);
        var bin = GoBinary.Open(GoFixture.Build("parked", toolchain));
        var model = bin.Runtime;
        using var memory = ProcessMemoryReader.Open(parked.Pid);
        var ours = new GoroutineReader(model, memory).ReadAll().ToDictionary(g => g.Goid);
        var pcsp = new PcspUnwinder(bin.Pclntab, memory);
        var framePointers = new FramePointerUnwinder(bin.Pclntab, memory);
        var symbolizer = new StackSymbolizer(bin.Pclntab);

        var spinning = parked.Parks.Where(p => p.Kind == "spin").Select(p => p.Goid).ToHashSet();
        var compared = 0;
        foreach (var dumped in GoroutineDump.ParseFile(parked.DumpPath))
        {
            // Goroutine 1 was running when it wrote the dump and has moved on since; spinners never stand still.
            if (dumped.Goid == 1 || spinning.Contains(dumped.Goid)) continue;
            Assert.True(ours.TryGetValue(dumped.Goid, out var g), $"goroutine {dumped.Goid} missing");
            var context = $"go{release} goroutine {g!.Goid}";
            Assert.Equal((context, dumped.Status), (context, GoroutineDescriber.Status(g, model)));

            var isSyscall = (g.Status & ~model.Statuses.ScanBit) == model.Statuses.Syscall;
            var (pcs, truncated) = isSyscall
                ? pcsp.Unwind(g.SyscallPc, g.SyscallSp, g.StackLo, g.StackHi)
                : pcsp.Unwind(g.SchedPc, g.SchedSp, g.StackLo, g.StackHi);
            Assert.False(truncated);
            var fp = isSyscall
                ? framePointers.FromSyscall(g.SyscallPc, g.SyscallSp, g.SyscallBp == 0 ? null : g.SyscallBp, g.StackLo, g.StackHi)
                : framePointers.FromScheduler(g.SchedPc, g.SchedBp, g.StackLo, g.StackHi);
            Assert.Equal(pcs, fp.Pcs);

            var shown = RuntimeStackFilter.Shown(symbolizer.Symbolize(pcs, firstPcIsExact: false))
                .Select(f => new DumpFrame(f.Function, f.File, f.Line, f.Inlined ? null : (long)(f.Pc - bin.Pclntab.FindFunction(f.Pc)!.Entry)))
                .ToArray();
            var expected = dumped.Frames.ToArray();
            if (dumped.ElidedFrames is { } elided)
            {
                // Go 1.21+: the innermost frames, "...N frames elided...", the outermost frames.
                Assert.Equal(shown.Length, expected.Length + elided);
                var inner = expected.Length / 2;
                Assert.Equal(expected[..inner], shown[..inner]);
                Assert.Equal(expected[inner..], shown[^(expected.Length - inner)..]);
            }
            else if (expected.Length < shown.Length && release == "1.19")
            {
                // Go 1.19 stops printing after 100 frames (hidden ones counted) without saying so.
                Assert.Equal(expected, shown[..expected.Length]);
            }
            else
            {
                Assert.Equal(expected.Select(f => f with { Offset = f.Offset ?? 0 }), shown.Select(f => f with { Offset = f.Offset ?? 0 }));
            }

            Assert.Equal((context, dumped.CreatedByFunc), (context, symbolizer.CreatedBy(g.GoPc)?.Function));
            if (dumped.CreatedAt is { } at)
                Assert.Equal((context, at.File, at.Line), (context, symbolizer.CreatedBy(g.GoPc)!.File, symbolizer.CreatedBy(g.GoPc)!.Line));
            if (dumped.CreatedByGoid is { } parent) Assert.Equal(parent, g.ParentGoid);
            compared++;
        }
        Assert.True(compared >= 15, $"only {compared} goroutines compared");
    }
}
