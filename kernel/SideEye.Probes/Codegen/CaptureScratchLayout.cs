using SideEye.Probes.Records;

namespace SideEye.Probes.Codegen;

/// <summary>
/// The capture part's working value: one entry of a plain array map (the probe runs on one thread at a time, and
/// a per-CPU value is capped at 32 KiB), reached without a lookup through its direct address.
/// </summary>
internal static class CaptureScratchLayout
{
    public const int Goid = 0;
    public const int HitCount = 8;
    public const int BatchLen = 16;
    public const int QueueHead = 24;
    public const int QueueTail = 32;
    // Stats, in the order of the stats entry.
    public const int BytesCopied = 40;
    public const int QueueDropped = 48;
    public const int HitsDropped = 56;
    public const int Unreadable = 64;
    public const int Budget = 72;
    public const int BatchesDropped = 80;
    public const int Generation = 88;
    public const int RegsValid = 96;
    public const int FramePc = 104;
    public const int FrameCfa = 112;
    public const int FrameIndex = 120;
    public const int FramePlan = 128;
    public const int FrameSpanLo = 136;
    public const int FrameSpanLen = 144;
    public const int FrameSpanOk = 152;
    public const int RootFirst = 160;
    public const int CurBase = 168;    // scratch offset of what the last step read (RootBuf or StepBuf)
    public const int CurLen = 176;
    public const int ScanBase = 184;   // scan: scratch offset of the first element
    public const int ScanLen = 192;    // bytes valid from ScanBase
    public const int ScanSlotCount = 200;
    public const int ScanFirstSlot = 208;
    public const int ScanSize = 216;   // element size
    public const int ScanDepth = 224;
    public const int Tmp = 232;        // 16 bytes
    public const int AppendSource = 248; // cap_append's source offset, kept across its flush
    public const int FirstUnreadable = 256;
    public const int LastStepAddress = 264; // what StepBuf holds (address 0: nothing valid), this frame
    public const int LastStepSize = 272;
    public const int EnqueueDepth = 280; // cap_enqueue's depth argument, kept across cap_seen
    public const int Regs = 288;       // 16 general registers of the goroutine's thread, DWARF order
    public const int Hits = Regs + 128;
    public const int MaxHits = 32;
    public const int HitSize = 32;     // pc, cfa, frame index, plan
    public const int FrameBuf = Hits + MaxHits * HitSize;
    public const int RootBuf = FrameBuf + Capture.FramePlan.MaxSpan + 64;
    public const int StepBuf = RootBuf + Capture.CaptureRoot.MaxBytes + 64;
    public const int GatherBuf = StepBuf + Capture.GatherTypeTable.MaxBlockBytes + 64;
    public const int Batch = GatherBuf + Capture.GatherTypeTable.MaxBlockBytes + 64;
    /// <summary>The head of a runtime type descriptor (abi.Type: size, ptrdata, hash, tflag, align, fieldAlign, kind) whose type has no DWARF.</summary>
    public const int Descriptor = Batch + CaptureBatchLayout.HeaderSize + CaptureBatchLayout.BatchBytes + 64;
    public const int Size = Descriptor + 32;
}
