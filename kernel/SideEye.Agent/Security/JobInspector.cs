using SideEye.Bpf;
using SideEye.Bpf.Asm;
using SideEye.GoRuntime.Processes;
using SideEye.Loader.Contract;

namespace SideEye.Agent.Security;

/// <summary>
/// What the agent checks in a job before it loads anything, so only read-only, bounded probes run, attached to the
/// target's own executable: a uprobe (kprobe-type) program calling only <see cref="ReadOnlyHelpers"/>, with no kernel
/// function calls or kernel-variable loads (a sleepable one may fault the target's pages in to read them, nothing more); maps of the kinds and sizes a snapshot uses, under the agent's cap; a
/// pause under its cap; the trigger in an executable segment of the target's executable; the trigger signal SIGURG
/// (which the Go runtime takes at any moment) and the trigger thread one of the target's. The first rule broken is
/// thrown as a <see cref="JobRefusedException"/> naming it; the verifier still checks memory safety after this.
/// </summary>
public sealed class JobInspector(TimeSpan maxPause, ulong maxMapBytes)
{
    /// <summary>SIGURG: the runtime's own preemption signal; the only one the agent will send a target.</summary>
    public const int TriggerSignal = 23;
    const int MaxMaps = 64;
    const int MaxMapEntries = 1 << 20;

    static readonly HashSet<MapType> MapTypes = [MapType.Hash, MapType.Array, MapType.PerCpuArray, MapType.PerCpuHash, MapType.LruHash, MapType.RingBuf];

    /// <param name="executable">The target's executable as the agent read it (through /proc/PID/exe).</param>
    /// <param name="exePath">Where /proc/PID/exe points.</param>
    public void Inspect(SnapshotJob job, int pid, ExecutableFacts executable, string exePath)
    {
        if (job.Pid != pid) Refuse($"names process {job.Pid}, but was sent for process {pid}");
        Program(job.Program);
        Maps(job);
        if (job.MaxPause > maxPause)
            Refuse($"asks for a pause of up to {job.MaxPause.TotalMilliseconds:0.###} ms; this agent allows {maxPause.TotalMilliseconds:0.###} ms (--max-pause-ms)");
        if (job.Protocol.TriggerSignal != TriggerSignal)
            Refuse($"its trigger signal is {job.Protocol.TriggerSignal}; the agent sends targets only SIGURG ({TriggerSignal}), which Go tolerates at any moment");
        if (job.TriggerThreadId is { } tid && !Directory.Exists($"/proc/{pid}/task/{tid}"))
            Refuse($"its trigger thread {tid} is not a thread of process {pid}");
        Trigger(job.Trigger, pid, executable, exePath);
    }

    static void Program(ProgramSpec program)
    {
        if (program.Type != ProgramType.Kprobe) Refuse($"its program is of type {program.Type}; the agent loads only uprobe (kprobe-type) programs");
        if (program.AttachType is not null || program.AttachTo is not null || program.AttachBtfId != 0)
            Refuse("its program attaches to a kernel object; the agent attaches only to the target's own executable");
        var slot = 0;
        foreach (var i in program.Instructions)
        {
            if (i.IsLabel) continue;
            var isCall = i.Class is OpClass.Jmp && (i.OpCode & 0xf0) == (byte)JumpOp.Call;
            if (isCall)
            {
                switch ((byte)i.Src)
                {
                    case (byte)PseudoSource.None when ReadOnlyHelpers.Refusal(i.Constant) is { } why:
                        Refuse($"instruction {slot} {why}");
                        break;
                    case (byte)PseudoSource.None:
                    case 1: // BPF_PSEUDO_CALL: a call to one of the program's own functions
                        break;
                    default:
                        Refuse($"instruction {slot} calls a kernel function (kfunc {i.Constant}); the agent allows only read-only helpers");
                        break;
                }
            }
            else if (i.IsLoadImm64 && (PseudoSource)i.Src is not (PseudoSource.None or PseudoSource.MapFd or PseudoSource.MapValue or PseudoSource.Func))
            {
                Refuse($"instruction {slot} loads a kernel object's address (pseudo source {(int)i.Src}); a snapshot probe loads only its own maps and functions");
            }
            slot += i.Width;
        }
    }

    void Maps(SnapshotJob job)
    {
        if (job.Maps.Count > MaxMaps) Refuse($"defines {job.Maps.Count} maps; a snapshot uses a handful (the agent allows {MaxMaps})");
        ulong total = 0;
        foreach (var map in job.Maps)
        {
            if (!MapTypes.Contains(map.Type)) Refuse($"map '{map.Name}' is of type {map.Type}; the agent creates only hash, array and ring buffer maps");
            var bytes = map.Type == MapType.RingBuf ? map.MaxEntries
                : (ulong)(map.KeySize + map.ValueSize) * map.MaxEntries * (ulong)(map.IsPerCpu ? Environment.ProcessorCount : 1);
            total += bytes;
        }
        if (total > maxMapBytes)
            Refuse($"its maps take {total >> 20} MiB; this agent allows {maxMapBytes >> 20} MiB (--max-map-mb)");
        if (job.MapEntries.Count > MaxMapEntries) Refuse($"writes {job.MapEntries.Count} map entries; the agent allows {MaxMapEntries}");
        var names = job.Maps.Select(m => m.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var e in job.MapEntries)
            if (!names.Contains(e.Map)) Refuse($"writes an entry into map '{e.Map}', which it does not define");
    }

    /// <summary>The uprobe must sit in an executable segment of the target's own executable, named as the agent sees it.</summary>
    static void Trigger(UprobeSite trigger, int pid, ExecutableFacts executable, string exePath)
    {
        if (trigger.BinaryPath != $"/proc/{pid}/exe" && trigger.BinaryPath != exePath)
            Refuse($"attaches its uprobe to {trigger.BinaryPath}, which is not process {pid}'s executable ({exePath})");
        if (!executable.IsCode(trigger.FileOffset)) Refuse($"attaches its uprobe at file offset 0x{trigger.FileOffset:x}, outside the executable code of {exePath}");
    }

    static void Refuse(string why) => throw new JobRefusedException($"job refused: it {why}");
}
