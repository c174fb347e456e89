using SideEye.Bpf;
using SideEye.Bpf.Asm;

namespace SideEye.Probes.Codegen;

/// <summary>The generated snapshot program and the maps it refers to by name; kernel-free until loaded.</summary>
public sealed record SnapshotProgram(ProgramSpec Program, IReadOnlyList<MapSpec> Maps, IReadOnlyList<SideEye.Loader.Contract.MapEntry> Entries)
{
    /// <summary>Array, 1 entry, u64: non-zero generation = armed. The program zeroes it when it starts.</summary>
    public const string ControlMap = "control";
    /// <summary>Array, 1 entry, 2 × u64 over the map's life: [0] records (goroutine or summary) the ring buffer refused, [1] probe hits, armed or not.</summary>
    public const string StatsMap = "stats";
    public const string ScratchMap = "scratch";
    public const string EventsMap = "events";
    /// <summary>Hash u32 tid → (pc, sp, bp) of each stopped thread: running goroutines' registers, filled by the loader during the pause.</summary>
    public const string ThreadRegsMap = "thread_regs";
    /// <summary>Hash u64 pc → u64 pcsp frame size at each syscall return site (ProbePlan.SyscallSpDeltas), loaded once.</summary>
    public const string SpDeltaMap = "pc_spdelta";

    public Instructions Instructions => Program.Instructions;
}
