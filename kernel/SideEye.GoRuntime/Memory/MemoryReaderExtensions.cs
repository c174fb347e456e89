using System.Buffers.Binary;

namespace SideEye.GoRuntime.Memory;

public static class MemoryReaderExtensions
{
    public static ulong? ReadU64(this IMemoryReader reader, ulong address)
    {
        Span<byte> b = stackalloc byte[8];
        return reader.TryRead(address, b) ? BinaryPrimitives.ReadUInt64LittleEndian(b) : null;
    }

    /// <summary>Reads an unsigned little-endian integer of 1, 2, 4 or 8 bytes.</summary>
    public static ulong? ReadUnsigned(this IMemoryReader reader, ulong address, int size)
    {
        Span<byte> b = stackalloc byte[8];
        b.Clear();
        if (size is not (1 or 2 or 4 or 8)) throw new ArgumentOutOfRangeException(nameof(size));
        return reader.TryRead(address, b[..size]) ? BinaryPrimitives.ReadUInt64LittleEndian(b) : null;
    }
}
