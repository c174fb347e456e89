using System.Text;
using SideEye.GoRuntime;
using SideEye.Loader.Run;
using SideEye.Probes.Planning;
using SideEye.Testing;

namespace SideEye.Probes.Tests;

/// <summary>
/// The job crosses a process boundary and comes back as records: serialized, read back, loaded and run, the
/// result serialized and read back, then decoded here; the snapshot is the one a direct run gives.
/// </summary>
[Collection(PrivilegedProbeCollection.Name)]
[Trait("Category", "Privileged")]
public sealed class SnapshotWireTests : KernelObjectLeakCheck
{
    [Fact]
    public void A_job_and_its_result_survive_the_wire()
    {
        Requires.Root();
        var toolchain = GoToolchains.Newest;
        using var parked = new ParkedProgram(toolchain);
        var bin = GoBinary.Open(GoFixture.Build("parked", toolchain));
        var plan = ProbePlan.Create(bin);
        var job = SnapshotJobs.Create(plan, parked.Pid, TimeSpan.FromSeconds(5));

        var received = SnapshotJobWire.ReadJob(SnapshotJobWire.WriteJob(job));
        Assert.Equal(job.Program.Instructions.ToList(), received.Program.Instructions.ToList());
        Assert.Equal(job.Program with { Instructions = received.Program.Instructions }, received.Program);
        Assert.Equal(job.Maps, received.Maps);
        Assert.Equal(job.MapEntries.Select(e => (e.Map, Convert.ToHexString(e.Key), Convert.ToHexString(e.Value))),
                     received.MapEntries.Select(e => (e.Map, Convert.ToHexString(e.Key), Convert.ToHexString(e.Value))));
        Assert.Equal(job with { Program = received.Program, Maps = received.Maps, MapEntries = received.MapEntries, RequiredFeatures = received.RequiredFeatures }, received);
        Assert.Equal(job.RequiredFeatures, received.RequiredFeatures);

        using var runner = SnapshotRunner.Load(received);
        var raw = runner.Run();
        var back = SnapshotJobWire.ReadResult(SnapshotJobWire.WriteResult(raw));
        Assert.Equal(raw.Records.Select(Convert.ToHexString), back.Records.Select(Convert.ToHexString));
        Assert.Equal(raw.Threads, back.Threads);
        Assert.Equal((raw.Pid, raw.Completed, raw.Timings, raw.MaxPause), (back.Pid, back.Completed, back.Timings, back.MaxPause));

        var result = SnapshotResult.Decode(back, bin.Pclntab, plan.WalkFrames);
        Assert.Null(result.Shortfall);
        var goids = result.Goroutines.Select(g => g.State.Goid).ToHashSet();
        Assert.All(parked.Parks, p => Assert.Contains(p.Goid, goids));
    }

    [Fact]
    public void Malformed_input_is_one_line()
    {
        var e = Assert.Throws<SideEyeException>(() => SnapshotJobWire.ReadJob(Encoding.UTF8.GetBytes("""{ "version": 1, "pid": 3 }""")));
        Assert.Equal("malformed snapshot job: 'program' is missing", e.Message);
        e = Assert.Throws<SideEyeException>(() => SnapshotJobWire.ReadResult(Encoding.UTF8.GetBytes("""{ "version": 9 }""")));
        Assert.Equal("malformed snapshot result: format version 9, this SideEye reads 1", e.Message);
        e = Assert.Throws<SideEyeException>(() => SnapshotJobWire.ReadJob(Encoding.UTF8.GetBytes("{ nope")));
        Assert.StartsWith("malformed snapshot job: ", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }
}
