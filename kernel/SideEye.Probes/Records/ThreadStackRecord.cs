namespace SideEye.Probes.Records;

/// <summary>A stopped thread's registers and the stack bytes from its sp, sent for the goroutine running on it.</summary>
public sealed record ThreadStackRecord(ulong GAddress, int ThreadId, ulong Pc, ulong Sp, ulong Bp, byte[] Window)
{
    /// <summary>The u64 at sp + <paramref name="offset"/>, if the window holds it.</summary>
    public ulong? WordAt(int offset) =>
        offset >= 0 && offset + 8 <= Window.Length ? System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(Window.AsSpan(offset)) : null;
}
