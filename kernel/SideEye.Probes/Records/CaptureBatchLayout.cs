namespace SideEye.Probes.Records;

/// <summary>
/// The capture batch record (kind 5): what the probe copied for captured variables, many entries per record so
/// that a frame with five expressions costs one ring buffer write, not ten. Little-endian, entries 8-aligned.
/// <code>
/// Batch header, HeaderSize bytes:  0 u32 kind   4 u32 flags (0)   8 u32 bytes of entries   12 u32 reserved
/// Entry header, EntryHeaderSize bytes: 0 u32 entry kind   4 u32 payload length   8 u64 address (block) or goid (frame)
/// Block entry (1): payload = the bytes at the address (length of them).
/// Frame entry (2): 0 u64 pc  8 u64 cfa  16 u32 frame index (in the goroutine record's pcs)  20 u32 frame plan
///                  24 i32 span offset from the cfa  28 u32 flags (FrameRegisters: the probe had the thread's registers)
///                  32 the span's bytes (payload length - FrameFixedSize of them)
/// Stats entry (3), last of a run: 0 u64 bytes copied  8 u64 queue overflows  16 u64 frames not captured (too many
///                  in one goroutine)  24 u64 blocks unreadable  32 u64 1 when the snapshot's byte budget ran out
///                  40 u64 batches the ring buffer refused   48 u64 the first address that could not be read
/// </code>
/// </summary>
public static class CaptureBatchLayout
{
    public const uint Kind = 5;
    public const int Used = 8;
    public const int HeaderSize = 16;

    public const uint BlockEntry = 1, FrameEntry = 2, StatsEntry = 3;
    public const int EntryKind = 0, EntryLength = 4, EntryAddress = 8, EntryHeaderSize = 16;

    public const int FramePc = 0, FrameCfa = 8, FrameIndex = 16, FramePlan = 20, FrameSpanOffset = 24, FrameFlags = 28, FrameFixedSize = 32;
    public const uint FrameRegisters = 1;

    public const int StatsBytes = 0, StatsQueueOverflows = 8, StatsFramesDropped = 16, StatsUnreadable = 24, StatsBudgetExhausted = 32, StatsBatchesDropped = 40, StatsFirstUnreadable = 48, StatsSize = 56;

    /// <summary>Entries' bytes per record: flushed when the next entry would not fit.</summary>
    public const int BatchBytes = 32 << 10;

    public static int Align8(int n) => (n + 7) & ~7;
}
