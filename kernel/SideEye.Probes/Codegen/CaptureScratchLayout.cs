using SideEye.Probes.Records;

namespace SideEye.Probes.Codegen;

/// <summary>
/// The capture part's working value: one entry of a plain array map (the probe runs on one thread at a time, and
/// a per-CPU value is capped at 32 KiB), reached without a lookup through its direct address by every function.
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
    public const int EnqueueDepth = 280; // an enqueued block's depth, kept across the de-duplication lookup
    public const int GoroutineHits = 288; // frames of the goroutine being walked added to the hits
    public const int RegsLoaded = 296;  // Regs holds the captured frame's thread registers
    public const int RootCount = 304;   // roots of the captured frame's plan
    public const int ThreadKey = 312;   // u32 thread id: the thread_regs key of the captured frame's thread
    public const int SavedLength = 320; // a block entry's length, kept across the flush it may need
    public const int GatherType = 336;  // type and depth of the block being gathered, kept across cap_append
    public const int GatherDepth = 344;
    public const int HitFlags = 352;    // the captured frame's hit flags
    public const int Regs = 360;       // 16 general registers of the captured frame's thread, DWARF order
    public const int FrameBuf = Regs + 128;
    public const int RootBuf = FrameBuf + Capture.FramePlan.MaxSpan + 64;
    public const int StepBuf = RootBuf + Capture.CaptureRoot.MaxBytes + 64;
    public const int GatherBuf = StepBuf + Capture.GatherTypeTable.MaxBlockBytes + 64;
    public const int Batch = GatherBuf + Capture.GatherTypeTable.MaxBlockBytes + 64;
    /// <summary>The head of a runtime type descriptor (abi.Type: size, ptrdata, hash, tflag, align, fieldAlign, kind) whose type has no DWARF.</summary>
    public const int Descriptor = Batch + CaptureBatchLayout.HeaderSize + CaptureBatchLayout.BatchBytes + 64;
    public const int Size = Descriptor + 32;
}
