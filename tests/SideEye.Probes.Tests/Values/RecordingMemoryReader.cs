using SideEye.GoRuntime.Memory;

namespace SideEye.Probes.Tests.Values;

/// <summary>Passes reads through and keeps a copy of each successful one: the blocks a probe would have had to copy.</summary>
sealed class RecordingMemoryReader(IMemoryReader inner) : IMemoryReader
{
    public List<(ulong Address, byte[] Bytes)> Reads { get; } = [];

    public bool TryRead(ulong address, Span<byte> destination)
    {
        if (!inner.TryRead(address, destination)) return false;
        Reads.Add((address, destination.ToArray()));
        return true;
    }
}
