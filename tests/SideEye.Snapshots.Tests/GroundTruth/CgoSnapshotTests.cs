using SideEye.Snapshots.Collection;
using SideEye.Testing;

namespace SideEye.Snapshots.Tests.GroundTruth;

/// <summary>
/// A snapshot of a program linked with C (testdata/cgo), linked externally and internally, as a PIE and stripped
/// (its runtime model then from layout data), on every toolchain, against the runtime.Stack dump it wrote: the
/// goroutine blocked inside a C call (status syscall, its stack from where it left Go) and the ones parked in Go code
/// after a C call have the dump's status and, as runtime.Stack shows them, its frames.
/// </summary>
[Trait("Category", "Privileged")]
public sealed class CgoSnapshotTests
{
    [Theory]
    [MemberData(nameof(GoToolchains.Data), MemberType = typeof(GoToolchains))]
    public void GoroutinesOfACgoProgramEqualItsDump(string release)
    {
        Requires.Root();
        var toolchain = GoToolchains.Get(release);
        foreach (var flags in new[] { GoBuildFlags.Cgo, GoBuildFlags.Cgo | GoBuildFlags.InternalLink, GoBuildFlags.Cgo | GoBuildFlags.Pie, GoBuildFlags.Cgo | GoBuildFlags.Stripped })
        {
            var binary = GoFixture.Build("cgo", toolchain, flags);
            var dumpPath = Path.Combine(Path.GetTempPath(), $"cgo-{release}-{Guid.NewGuid():N}.txt");
            try
            {
                using var program = LaunchedProgram.StartUntilReady(binary, ["-dump", dumpPath], TimeSpan.FromSeconds(60));
                var parks = program.Lines.Where(l => l.StartsWith("park ", StringComparison.Ordinal))
                    .Select(l => l.Split(' ')).ToDictionary(p => long.Parse(p[2]["goid=".Length..]), p => p[1]);
                Assert.Equal(4, parks.Count);
                using var snapshotter = new LocalSnapshotter { DebugInfo = Binary.DebugInfo.DebugInfoSources.None };
                var process = snapshotter.Take([program.Pid]).Processes.Single();
                Assert.True(process.Error is null, process.Error);
                var ours = process.Goroutines.ToDictionary(g => g.Goid);
                foreach (var dumped in GoroutineDump.ParseFile(dumpPath).Where(d => parks.ContainsKey(d.Goid)))
                {
                    var context = $"go{release} {flags} goroutine {dumped.Goid} ({parks[dumped.Goid]})";
                    Assert.True(ours.TryGetValue(dumped.Goid, out var g), $"{context}: not in the snapshot");
                    Assert.Equal((context, dumped.Status), (context, g!.WaitReason ?? g.Status));
                    Assert.Equal((context, string.Join('\n', dumped.Frames.Select(f => $"{f.Func} {f.File}:{f.Line}"))),
                        (context, string.Join('\n', g.Frames.Where(f => f.Shown).Select(f => $"{f.Func} {f.File}:{f.Line}"))));
                }
            }
            finally
            {
                File.Delete(dumpPath);
            }
        }
    }
}
