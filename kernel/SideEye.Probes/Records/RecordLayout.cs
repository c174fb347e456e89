namespace SideEye.Probes.Records;

/// <summary>
/// The one definition of the raw records the snapshot probe writes to its ring buffer, shared by the code
/// generator (which stores at these offsets) and <see cref="RecordDecoder"/> (which reads them). All fields are
/// little-endian; every record starts with a u32 kind and a u32 of flags.
/// <code>
/// Goroutine record (kind 1), HeaderSize bytes then FrameCount u64 PCs, innermost first:
///   0 u32 kind          4 u32 flags (GoroutineFlags)
///   8 u64 goid         16 u32 atomicstatus (raw, scan bit kept)   20 u32 waitreason
///  24 u64 waitsince    32 u64 g address      40 u64 m              48 u64 m.procid (0 without an m)
///  56 u64 gopc         64 u64 startpc        72 u64 parentGoid (0 when the release has none: see flags)
///  80 u64 stack.lo     88 u64 stack.hi
///  96 u64 sched.pc    104 u64 sched.sp      112 u64 sched.bp
/// 120 u64 syscallpc   128 u64 syscallsp     136 u64 syscallbp (0 before Go 1.23)
/// 144 u64 labels      152 u32 frame count   156 u32 reserved (0)
/// 160 u64 pcs[frame count]
///
/// Summary record (kind 2), the last record of a run, SummarySize bytes:
///   0 u32 kind          4 u32 flags (SummaryFlags)
///   8 u64 allglen at the start of the walk     16 u64 g pointers read (non-nil, readable)
///  24 u64 goroutine records emitted            32 u64 goroutine records dropped (ring buffer full)
///  40 u64 bpf_ktime_get_ns at start            48 u64 bpf_ktime_get_ns at end
///  56 u64 generation (the armed word userspace wrote)
///  64 u64 allgs entries whose g could not be read (not resident, say): the snapshot misses them
///  72 u64 reads of the target's memory that missed (bpf_probe_read_user failed: not resident, or not mapped)
///  80 u64 of those, read by faulting pages in (bpf_copy_from_user)       88 u64 ns spent in those retries
///
/// Thread-stack record (kind 3), sent just before the goroutine record of a goroutine running on a stopped
/// thread whose sp is on the goroutine's own stack, ThreadStackHeaderSize bytes then Length bytes:
///   0 u32 kind          4 u32 flags (0)
///   8 u64 g address    16 u64 thread id
///  24 u64 pc           32 u64 sp             40 u64 bp
///  48 u32 length       52 u32 reserved (0)
///  56 bytes [sp, sp + length): the stack words where the running function's return address may be
///
/// Labels record (kind 4), sent just before the goroutine record of a goroutine with pprof labels,
/// LabelsHeaderSize bytes then count slots of LabelSlotSize bytes:
///   0 u32 kind          4 u32 flags (LabelsFlags)
///   8 u64 g address    16 u32 count          20 u32 reserved (0)
///  24 slots: u32 key length, u32 value length (full lengths), LabelKeyBytes of key, LabelValueBytes of value
///     (the first min(length, capacity) bytes of each are the string's)
/// </code>
/// Why the window: where a running function keeps its return address depends on its pcsp frame size at pc,
/// which only the binary knows. The probe stays free of per-pause binary lookups (the privileged side has no
/// pclntab); it sends the words at sp and the decoder picks the return address with the frame size.
/// </summary>
public static class RecordLayout
{
    public const uint GoroutineKind = 1;
    public const uint SummaryKind = 2;
    public const uint ThreadStackKind = 3;
    public const uint LabelsKind = 4;

    public const int Kind = 0;
    public const int Flags = 4;

    public const int Goid = 8;
    public const int Status = 16;
    public const int WaitReason = 20;
    public const int WaitSince = 24;
    public const int GAddress = 32;
    public const int M = 40;
    public const int ThreadId = 48;
    public const int GoPc = 56;
    public const int StartPc = 64;
    public const int ParentGoid = 72;
    public const int StackLo = 80;
    public const int StackHi = 88;
    public const int SchedPc = 96;
    public const int SchedSp = 104;
    public const int SchedBp = 112;
    public const int SyscallPc = 120;
    public const int SyscallSp = 128;
    public const int SyscallBp = 136;
    public const int Labels = 144;
    public const int FrameCount = 152;
    public const int Reserved = 156;
    public const int Pcs = 160;
    public const int HeaderSize = 160;

    public const int SummaryAllGLen = 8;
    public const int SummarySeen = 16;
    public const int SummaryEmitted = 24;
    public const int SummaryDropped = 32;
    public const int SummaryStartNs = 40;
    public const int SummaryEndNs = 48;
    public const int SummaryGeneration = 56;
    public const int SummaryUnreadable = 64;
    public const int SummaryReadsMissed = 72;
    public const int SummaryReadsFaulted = 80;
    public const int SummaryFaultNs = 88;
    public const int SummarySize = 96;

    public const int ThreadGAddress = 8;
    public const int ThreadTid = 16;
    public const int ThreadPc = 24;
    public const int ThreadSp = 32;
    public const int ThreadBp = 40;
    public const int ThreadLength = 48;
    public const int ThreadReserved = 52;
    public const int ThreadStackHeaderSize = 56;

    public const int LabelsGAddress = 8;
    public const int LabelsCount = 16;
    public const int LabelsReserved = 20;
    public const int LabelsHeaderSize = 24;
    public const int MaxLabels = 8;
    public const int LabelKeyBytes = 64;
    public const int LabelValueBytes = 192;
    public const int LabelSlotSize = 8 + LabelKeyBytes + LabelValueBytes;

    /// <summary>Size of a goroutine record with <paramref name="frames"/> PCs.</summary>
    public static int GoroutineSize(int frames) => HeaderSize + 8 * frames;
}
