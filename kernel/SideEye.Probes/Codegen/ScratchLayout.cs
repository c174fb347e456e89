using SideEye.Probes.Records;

namespace SideEye.Probes.Codegen;

/// <summary>
/// The per-CPU scratch value the program works in (the BPF stack is 512 bytes; a g copy and a record with
/// up to 1024 PCs are not). One entry, looked up once per run and passed to both bpf_loop callbacks.
/// </summary>
internal sealed class ScratchLayout(int gSize, int maxFrames, int stackWindowBytes)
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
    public const int G = Summary + RecordLayout.SummarySize;

    /// <summary>Start of the goroutine record being built.</summary>
    public int Record { get; } = G + ((gSize + 7) & ~7);
    /// <summary>Start of the thread-stack record (header and window), after the goroutine record.</summary>
    public int ThreadStack => Record + RecordLayout.GoroutineSize(maxFrames);
    public int Size => ThreadStack + RecordLayout.ThreadStackHeaderSize + stackWindowBytes;
}
