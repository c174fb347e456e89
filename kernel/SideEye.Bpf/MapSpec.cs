namespace SideEye.Bpf;

/// <summary>A kernel-free description of a map; <see cref="BpfMap.Load"/> creates it.</summary>
public sealed record MapSpec(string Name, MapType Type, uint KeySize, uint ValueSize, uint MaxEntries, uint Flags = 0)
{
    /// <summary>A ring buffer of <paramref name="sizeBytes"/> data bytes (a power of two, multiple of the page size).</summary>
    public static MapSpec RingBuf(string name, uint sizeBytes) => new(name, MapType.RingBuf, 0, 0, sizeBytes);

    public bool IsPerCpu => Type is MapType.PerCpuArray or MapType.PerCpuHash;
}
