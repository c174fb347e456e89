using SideEye.Probes.Records;

namespace SideEye.Probes.Codegen;

/// <summary>
/// The scratch value the program works in (the BPF stack is 512 bytes; a g copy, a record with up to 1040 PCs and
/// 8 KiB of stack are not): the one entry of a plain array map, which every function addresses directly.
/// </summary>
/// <param name="labelMapBytes">What reading a Go 1.19–1.23 label map takes (PprofLabelMapLayout.ScratchBytes); 0 where labels are no map.</param>
internal sealed class ScratchLayout(int gSize, int maxFrames, int stackWindowBytes, int labelMapBytes)
{
    public const int AllGsArray = 0;   // runtime.allgs' array pointer
    public const int AllGLen = 8;
    public const int Seen = 16;
    public const int Emitted = 24;
    public const int Dropped = 32;
    public const int StartNs = 40;
    public const int Generation = 48;
    public const int Tmp = 56;         // 16 bytes: a frame's [saved BP, return address]
    public const int WalkBp = 72;
    public const int WalkPrev = 80;
    public const int WalkCount = 88;
    public const int WalkDone = 96;
    public const int Key = 104;        // map keys and a g pointer read from allgs
    public const int SummaryFlags = 112;
    public const int Summary = 120;    // RecordLayout.SummarySize bytes
    public const int RingUsed = Summary + RecordLayout.SummarySize; // ring bytes this run has filled (an upper bound)
    public const int ChunkBase = RingUsed + 8;  // user address of StackChunk[0]
    public const int ChunkLength = ChunkBase + 8;
    public const int Unreadable = ChunkLength + 8; // allgs entries whose g could not be read
    // MissedReads' counters and clock: reads that missed, of those read by faulting pages in, their time, the
    // deadline for faulting, and when the current faulting read began.
    public const int ReadsMissed = Unreadable + 8;
    public const int ReadsFaulted = ReadsMissed + 8;
    public const int FaultNs = ReadsFaulted + 8;
    public const int FaultDeadline = FaultNs + 8;
    public const int FaultStarted = FaultDeadline + 8;
    public const int StackChunk = FaultStarted + 8;
    /// <summary>
    /// Stack bytes read at once from where a walk starts, and again from where it has climbed to: a deep goroutine's
    /// frames (16 of them, about 2 KiB) in one read; only a stack that uses this much costs this much to copy.
    /// </summary>
    public const int StackChunkBytes = 8192;
    public const int GsChunk = StackChunk + StackChunkBytes; // runtime.allgs entries, read GsChunkEntries at a time
    public const int GsChunkEntries = 32;
    public const int G = GsChunk + 8 * GsChunkEntries;

    /// <summary>Start of the goroutine record being built.</summary>
    public int Record { get; } = G + ((gSize + 7) & ~7);
    /// <summary>Start of the thread-stack record (header and window), after the goroutine record.</summary>
    public int ThreadStack => Record + RecordLayout.GoroutineSize(maxFrames);
    /// <summary>The labels record being built.</summary>
    public int Labels => ThreadStack + ((RecordLayout.ThreadStackHeaderSize + stackWindowBytes + 7) & ~7);
    /// <summary>Up to MaxLabels (key, value) string headers, 32 bytes each, gathered before the strings are copied.</summary>
    public int LabelPairs => Labels + RecordLayout.LabelsHeaderSize + RecordLayout.MaxLabels * RecordLayout.LabelSlotSize;
    /// <summary>The start of a label map's hmap, then in the same place its one bucket (Go up to 1.23).</summary>
    public int LabelBucket => LabelPairs + 32 * RecordLayout.MaxLabels;
    public int Size => LabelBucket + labelMapBytes;
}
