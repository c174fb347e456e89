using SideEye.GoRuntime;
using SideEye.GoRuntime.Stacks;
using SideEye.Snapshots.Collection;
using SideEye.Testing;

namespace SideEye.Snapshots.Tests.GroundTruth;

/// <summary>
/// The issue's own acceptance test, end to end with nothing in between: a snapshot (pause, generated probe,
/// decoding) of the parked program against the runtime.Stack dump it wrote itself. Every parked goroutine of the
/// dump is in the snapshot with the same id, status and wait reason, creator, and — hidden the way runtime.Stack
/// hides runtime frames and wrappers — the same function/file/line frames in the same order.
/// </summary>
[Trait("Category", "Privileged")]
public sealed class SnapshotVersusDumpTests
{
    [Theory]
    [MemberData(nameof(GoToolchains.Data), MemberType = typeof(GoToolchains))]
    public void EveryParkedGoroutineOfTheDumpIsInTheSnapshot(string release)
    {
        Requires.Root();
        var toolchain = GoToolchains.Get(release);
        using var parked = new ParkedProgram(toolchain);
        var bin = GoBinary.Open(GoFixture.Build("parked", toolchain));
        using var snapshotter = new LocalSnapshotter { MaxFrames = 1024 };
        var process = snapshotter.Take([parked.Pid]).Processes.Single();
        Assert.Null(process.Error);
        var ours = process.Goroutines.ToDictionary(g => g.Goid);

        var moving = parked.Parks.Where(p => p.Kind == "spin").Select(p => p.Goid).Append(1).ToHashSet();
        var compared = 0;
        foreach (var dumped in GoroutineDump.ParseFile(parked.DumpPath))
        {
            // Goroutine 1 wrote the dump and moved on; spinners never hold still.
            if (moving.Contains(dumped.Goid)) continue;
            Assert.True(ours.TryGetValue(dumped.Goid, out var g), $"go{release}: goroutine {dumped.Goid} of the dump is not in the snapshot");
            var context = $"go{release} goroutine {g!.Goid}";
            Assert.Equal((context, dumped.Status), (context, g.WaitReason ?? g.Status));
            Assert.Equal((context, dumped.CreatedByFunc), (context, g.CreatedByFunc));
            if (dumped.CreatedByGoid is { } parent) Assert.Equal((context, (long?)parent), (context, g.CreatedByGoid));

            var frames = g.Frames.Select(f => new StackFrame(f.Pc, f.Func, f.File, f.Line, f.Inlined,
                Wrapper: !f.Inlined && bin.Pclntab.FindFunction(f.Pc) is { } fn && bin.Pclntab.IsWrapper(fn))).ToList();
            var shown = RuntimeStackFilter.Shown(frames).Select(f => $"{f.Function} {f.File}:{f.Line}").ToArray();
            var expected = dumped.Frames.Select(f => $"{f.Func} {f.File}:{f.Line}").ToArray();
            if (dumped.ElidedFrames is { } elided)
            {
                // Go 1.21+ prints the innermost and outermost frames around "...N frames elided...".
                Assert.Equal((context, shown.Length), (context, expected.Length + elided));
                var inner = expected.Length / 2;
                Assert.Equal(expected[..inner], shown[..inner]);
                Assert.Equal(expected[inner..], shown[^(expected.Length - inner)..]);
            }
            else if (release == "1.19" && expected.Length < shown.Length)
                Assert.Equal(expected, shown[..expected.Length]); // 1.19 stops printing after 100 frames, silently
            else
                Assert.Equal(expected, shown);
            compared++;
        }
        Assert.True(compared >= 15, $"only {compared} goroutines compared");
    }
}
