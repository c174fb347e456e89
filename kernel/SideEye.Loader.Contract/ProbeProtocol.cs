namespace SideEye.Loader.Contract;

/// <summary>
/// How the runner talks to a snapshot program, by map name and record shape:
/// <list type="bullet">
/// <item><see cref="ControlMap"/>: array, key u32 0, value u64. The runner writes a fresh non-zero generation to arm
/// the program and zero afterwards; the program must ignore hits while it reads zero.</item>
/// <item><see cref="ThreadRegistersMap"/>: hash, key u32 tid, value <see cref="ThreadRegisters"/>; the runner fills
/// it with every stopped thread's registers before arming.</item>
/// <item><see cref="EventsMap"/>: ring buffer of records. A run ends with the record whose u32 at offset 0 is
/// <see cref="CompletionKind"/> and whose u64 at <see cref="CompletionGenerationOffset"/> is the run's
/// generation; the program wakes the reader only for that record.</item>
/// <item>The program runs when the trigger thread takes <see cref="TriggerSignal"/> (a signal the target tolerates at any time).</item>
/// </list>
/// </summary>
public sealed record ProbeProtocol(
    string ControlMap,
    string ThreadRegistersMap,
    string EventsMap,
    uint CompletionKind,
    int CompletionGenerationOffset,
    int TriggerSignal);
