using System.Buffers.Binary;
using SideEye.GoRuntime.Memory;

namespace SideEye.Probes.Values;

/// <summary>The only way the decoder touches memory: one block per read, capped at <see cref="ValueReadRules.MaxBlockBytes"/>.</summary>
internal sealed class BlockReader(IMemoryReader memory)
{
    /// <summary>min(size, cap) bytes at the address; an empty array for size 0 (nothing is read); null if unreadable.</summary>
    public byte[]? Read(ulong address, long size)
    {
        var n = ValueReadRules.PointeeBytes(size);
        if (n == 0) return [];
        var bytes = new byte[n];
        return memory.TryRead(address, bytes) ? bytes : null;
    }

    public static ulong U64(ReadOnlySpan<byte> b, long offset) => BinaryPrimitives.ReadUInt64LittleEndian(b[(int)offset..]);
    public static long I64(ReadOnlySpan<byte> b, long offset) => BinaryPrimitives.ReadInt64LittleEndian(b[(int)offset..]);
}
