namespace SideEye.Probes.Values;

/// <summary>A key or element in a bucket or group: inline, or (over 128 bytes) behind a pointer read as one more block.</summary>
internal static class MapSlotReads
{
    public static (byte[]? Bytes, ulong Address) Slot(byte[] container, ulong containerAddress, long offset, long slotSize, long size,
        bool indirect, BlockReader reader, ref ulong? unread)
    {
        if (!indirect)
            return (container.AsSpan((int)offset, (int)Math.Min(slotSize, size)).ToArray(), containerAddress + (ulong)offset);
        var target = BlockReader.U64(container, offset);
        var bytes = reader.Read(target, size);
        if (bytes is null) unread ??= target;
        return (bytes, target);
    }
}
