using SideEye.GoRuntime;
using SideEye.Loader.Run;
using SideEye.Probes.Capture;
using SideEye.Probes.Planning;
using SideEye.Probes.Records;
using SideEye.Probes.Specs;
using SideEye.Testing;
using Xunit.Abstractions;

namespace SideEye.Probes.Tests.Capture;

[Collection(PrivilegedProbeCollection.Name)]
[Trait("Category", "Privileged")]
public sealed class CaptureSmokeTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("1.26")]
    public void Loads_and_runs(string release)
    {
        Requires.Root();
        var toolchain = GoToolchains.Get(release);
        using var parked = new ParkedProgram(toolchain);
        var bin = GoBinary.Open(GoFixture.Build("parked", toolchain));
        var captures = new ProgramCaptures("parked", [
            new FunctionCapture("main.recurse", ["n", "ch"]),
            new FunctionCapture("main.chanSend", ["ch", "len(ch)"]),
            new FunctionCapture("main.lockMutex", ["mu", "*mu"]),
        ]);
        var capture = CapturePlan.Create(bin, captures, CaptureLimits.Default);
        output.WriteLine($"{capture.Intervals.Count} intervals, {capture.FramePlans.Count} plans, {capture.Types.Types.Count} types, {capture.Types.Slots.Count} slots");
        var plan = ProbePlan.Create(bin);
        try
        {
            using var runner = SnapshotRunner.Load(SnapshotJobs.Create(plan, parked.Pid, TimeSpan.FromSeconds(5), capture));
            var result = SnapshotResult.Decode(runner.Run(), bin.Pclntab, plan.MaxFrames);
            output.WriteLine($"{result.Goroutines.Count} goroutines, {result.CaptureBatches.Count} batches, {result.CaptureBatches.Sum(b => b.Length)} bytes, probe {result.ProbeNs} ns");
            Assert.NotEmpty(result.CaptureBatches);
        }
        catch (SideEye.Bpf.VerifierException e)
        {
            foreach (var line in e.Log.TakeLast(60)) output.WriteLine(line);
            throw;
        }
    }
}
