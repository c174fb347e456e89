using SideEye.Bpf.Asm;
using SideEye.Loader.Contract;
using SideEye.Loader.Run;
using SideEye.Probes.Specs;
using SideEye.Snapshots.Collection;
using SideEye.Testing;
using static SideEye.Bpf.Asm.Register;
using A = SideEye.Bpf.Asm.Asm;

namespace SideEye.Snapshots.Tests.Collection;

/// <summary>
/// A spec must never cost the snapshot: when the kernel refuses the probe with captures (here a real verifier
/// refusal, of the capture program with an instruction the verifier cannot accept put first), the goroutines are
/// still snapshotted by the probe without captures, and the process's row says what was left out and why, naming
/// the spec's heaviest functions. The refused program leaves no kernel object behind, and the next snapshot
/// reuses the probe without captures instead of paying the verifier again.
/// </summary>
[Collection(PrivilegedSnapshotCollection.Name)]
[Trait("Category", "Privileged")]
public sealed class RefusedCaptureProbeTests : KernelObjectLeakCheck
{
    [Fact]
    public void A_refused_capture_probe_still_snapshots_the_goroutines_and_says_why()
    {
        Requires.Root();
        var binary = GoFixture.Build("requests", GoToolchains.Newest);
        using var target = LaunchedProgram.StartUntilReady(binary, ["-n", "20"], TimeSpan.FromSeconds(60));
        var spec = CaptureSpec.Empty
            .WithCapture("requests", "main.(*server).handle", ["req.ID", "req.Path", "req.Tags"])
            .WithCapture("requests", "main.spinWith", ["id"]);
        static SnapshotJob Unloadable(SnapshotJob job)
        {
            var code = new Instructions([A.Mov64(R0, R7)]); // r7 is never set at entry: the verifier refuses this
            code.Add(job.Program.Instructions);
            return job with { Program = job.Program with { Instructions = code } };
        }
        using var snapshotter = new LocalSnapshotter { Captures = spec, CaptureJobForTests = Unloadable };
        foreach (var attempt in new[] { 1, 2 })
        {
            var process = snapshotter.Take([target.Pid]).Processes.Single();
            Assert.True(process.Goroutines.Count >= 20, $"snapshot {attempt}: {process.Goroutines.Count} goroutines");
            Assert.Contains(process.Goroutines, g => g.Frames.Any(f => f.Func == "main.(*server).handle"));
            Assert.Null(process.Captures);
            Assert.NotNull(process.Error);
            Assert.StartsWith("captures not loaded, goroutines snapshotted without them: load program 'sideeye_snap': verifier rejected it", process.Error);
            Assert.Contains("the spec's largest functions: main.(*server).handle (3 expressions", process.Error);
            Assert.Contains("drop some of them or their expressions", process.Error);
            Assert.Equal(attempt == 2, process.Probe!.Reused);
        }
    }
}
