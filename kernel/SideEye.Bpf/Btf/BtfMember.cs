namespace SideEye.Bpf.Btf;

/// <summary>A struct/union member: its type id and bit offset from the start of the outermost type walked.</summary>
public sealed record BtfMember(string Name, uint TypeId, uint BitOffset, uint BitfieldSize)
{
    /// <summary>Byte offset; only meaningful when the member is byte aligned (not a bitfield).</summary>
    public int ByteOffset => (int)(BitOffset / 8);
}
