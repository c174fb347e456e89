namespace SideEye.GoRuntime.Goroutines;

/// <summary>The raw fields of one runtime.g, as read from the target (addresses are the target's).</summary>
public sealed record GoroutineState(
    ulong Address,
    long Goid,
    long Status,
    int WaitReason,
    long WaitSince,
    ulong SchedPc, ulong SchedSp, ulong SchedBp,
    ulong SyscallPc, ulong SyscallSp, ulong SyscallBp,
    ulong StackLo, ulong StackHi,
    ulong M,
    int? ThreadId,
    ulong GoPc, ulong StartPc,
    long? ParentGoid,
    ulong Labels);
