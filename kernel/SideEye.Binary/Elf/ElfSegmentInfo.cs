namespace SideEye.Binary.Elf;

/// <summary>One program header: a file range mapped at a virtual address.</summary>
public sealed record ElfSegmentInfo(uint Type, uint Flags, ulong VirtualAddress, long FileOffset, ulong FileSize, ulong MemorySize)
{
    /// <summary>PT_LOAD</summary>
    public const uint TypeLoad = 1;
    public bool IsLoad => Type == TypeLoad;
}
