namespace SideEye.Binary.Dwarf.Frame;

/// <summary>An FDE header of .debug_frame: the code range it covers and where its instructions are.</summary>
public sealed record FrameDescriptionEntry(long Offset, long CieOffset, ulong Begin, ulong End, int InstructionsStart, int InstructionsEnd)
{
    public bool Contains(ulong pc) => pc >= Begin && pc < End;
}
