using Google.Protobuf;
using SideEye.GoRuntime;
using SideEye.Loader.Contract;
using SideEye.Loader.Contract.Wire;
using SideEye.Loader.Run;
using SideEye.Probes.Planning;
using SideEye.Testing;
using M = SideEye.Loader.Contract.Messages;

namespace SideEye.Probes.Tests;

/// <summary>
/// The job crosses a process boundary as the agent's protobuf messages and comes back as records: encoded, parsed
/// back, loaded and run, the result encoded in several chunks and parsed back, then decoded here; the snapshot is
/// the one a direct run gives.
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

        var encoded = JobWire.ToMessage(job).ToByteArray();
        var parsed = M.SnapshotJob.Parser.ParseFrom(encoded);
        var received = JobWire.FromMessage(parsed);
        Assert.Equal(job.Program.Instructions.ToList(), received.Program.Instructions.ToList());
        Assert.Equal(job.Program with { Instructions = received.Program.Instructions }, received.Program);
        Assert.Equal(job.Maps, received.Maps);
        Assert.Equal(job.MapEntries.Select(e => (e.Map, Convert.ToHexString(e.Key), Convert.ToHexString(e.Value))),
                     received.MapEntries.Select(e => (e.Map, Convert.ToHexString(e.Key), Convert.ToHexString(e.Value))));
        Assert.Equal(job with { Program = received.Program, Maps = received.Maps, MapEntries = received.MapEntries, RequiredFeatures = received.RequiredFeatures }, received);
        Assert.Equal(job.RequiredFeatures, received.RequiredFeatures);
        // The hash names the job: the same job encodes and hashes the same again, another pause limit does not.
        Assert.Equal(JobWire.Sha256(parsed), JobWire.Sha256(JobWire.ToMessage(received)));
        Assert.NotEqual(JobWire.Sha256(parsed), JobWire.Sha256(JobWire.ToMessage(job with { MaxPause = TimeSpan.FromSeconds(4) })));

        using var runner = SnapshotRunner.Load(received);
        var raw = runner.Run();
        // Small chunks, so the records span several messages as a large snapshot's do.
        var chunks = ResultWire.Chunks(raw, chunkBytes: 4096).Select(c => M.RecordsChunk.Parser.ParseFrom(c.ToByteArray())).ToList();
        Assert.True(chunks.Count > 1, $"{raw.Records.Count} records in {chunks.Count} chunk");
        var outcome = M.RunOutcome.Parser.ParseFrom(ResultWire.Outcome(raw).ToByteArray());
        var back = ResultWire.Assemble(outcome, chunks.SelectMany(c => c.Records).Select(r => r.ToByteArray()).ToList());
        Assert.Equal(raw.Records.Select(Convert.ToHexString), back.Records.Select(Convert.ToHexString));
        Assert.Equal(raw.Threads, back.Threads);
        Assert.Equal((raw.Pid, raw.Completed, raw.Timings, raw.MaxPause), (back.Pid, back.Completed, back.Timings, back.MaxPause));
        // Records travel as bytes: the encoding adds a few bytes a record, nothing in proportion to its size.
        var wire = chunks.Sum(c => c.CalculateSize());
        var payload = raw.Records.Sum(r => r.Length);
        Assert.True(wire <= payload + 4 * raw.Records.Count + 16 * chunks.Count, $"{wire} bytes on the wire for {payload} bytes of records");

        var result = SnapshotResult.Decode(back, bin.Pclntab, plan.WalkFrames);
        Assert.Null(result.Shortfall);
        var goids = result.Goroutines.Select(g => g.State.Goid).ToHashSet();
        Assert.All(parked.Parks, p => Assert.Contains(p.Goid, goids));
    }

    [Fact]
    public void Malformed_input_is_one_line()
    {
        var e = Assert.Throws<SideEyeException>(() => JobWire.FromMessage(new M.SnapshotJob { Pid = 3 }));
        Assert.Equal("malformed snapshot job: it has no program", e.Message);
        var outcome = new M.RunOutcome { Pid = 3, RecordCount = 2, Timings = new M.PauseTimings() };
        e = Assert.Throws<SideEyeException>(() => ResultWire.Assemble(outcome, [new byte[8]]));
        Assert.Equal("malformed snapshot result: 1 records arrived for process 3, its outcome says 2", e.Message);
        outcome = new M.RunOutcome { Pid = 3, Timings = new M.PauseTimings(), Threads = { new M.StoppedThread { Tid = 3, General = { 1, 2 } } } };
        e = Assert.Throws<SideEyeException>(() => ResultWire.Assemble(outcome, []));
        Assert.Equal("malformed snapshot result: thread 3 has 2 general registers, not 16", e.Message);
    }
}
