using System.Buffers.Binary;
using SideEye.Bpf.Features;
using SideEye.Loader.Contract;
using SideEye.Probes.Capture;
using SideEye.Probes.Codegen;
using SideEye.Probes.Planning;
using SideEye.Probes.Records;

namespace SideEye.Probes;

/// <summary>
/// Plan → the job the privileged half runs: the generated program and maps, the syscall frame sizes as map
/// entries, the uprobe on runtime.sigtramp, and the protocol (control word, thread registers, summary record).
/// </summary>
public static class SnapshotJobs
{
    /// <summary>SIGURG: the runtime's own preemption signal, which Go tolerates at any moment.</summary>
    public const int TriggerSignal = 23;

    public static ProbeProtocol Protocol { get; } = new(
        SnapshotProgram.ControlMap, SnapshotProgram.ThreadRegsMap, SnapshotProgram.EventsMap,
        RecordLayout.SummaryKind, RecordLayout.SummaryGeneration, TriggerSignal);

    public static SnapshotJob Create(ProbePlan plan, int pid, TimeSpan maxPause, CapturePlan? captures = null)
    {
        var program = SnapshotProgramGenerator.Generate(plan, captures);
        var entries = plan.SyscallSpDeltas.Select(kv => new MapEntry(SnapshotProgram.SpDeltaMap, U64(kv.Key), U64((ulong)kv.Value)))
            .Concat(program.Entries).ToArray();
        return new SnapshotJob
        {
            Pid = pid,
            Program = program.Program,
            Maps = program.Maps,
            MapEntries = entries,
            Trigger = new UprobeSite(plan.BinaryPath, plan.SigtrampFileOffset),
            Protocol = Protocol,
            MaxPause = maxPause,
            RequiredFeatures = program.Program.Sleepable ? [.. ProbeRequirements.Features, KernelFeature.SleepableUprobe] : ProbeRequirements.Features,
        };
    }

    static byte[] U64(ulong value)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, value);
        return bytes;
    }
}
