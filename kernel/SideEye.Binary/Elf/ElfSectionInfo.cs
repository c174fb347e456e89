namespace SideEye.Binary.Elf;

/// <summary>One section header: where the section sits in the file and, if allocated, in memory.</summary>
public sealed record ElfSectionInfo(string Name, uint Type, ulong Flags, ulong Address, long FileOffset, long Size)
{
    public const uint TypeNoBits = 8;
    public const ulong FlagAlloc = 0x2;
    public const ulong FlagExecInstr = 0x4;
    public const ulong FlagCompressed = 0x800;

    public bool IsCompressed => (Flags & FlagCompressed) != 0 || Name.StartsWith(".zdebug_", StringComparison.Ordinal);
    public bool HasFileData => Type != TypeNoBits;
    public bool Contains(ulong address) => Address <= address && address - Address < (ulong)Size;
}
