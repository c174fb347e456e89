namespace SideEye.GoRuntime.Memory;

/// <summary>
/// Read access to a target's memory. The runtime model, goroutine reader and unwinder take this capability
/// instead of a process, so tests can hand them fakes and a live process can be read through /proc.
/// </summary>
public interface IMemoryReader
{
    /// <summary>Fills <paramref name="destination"/> from <paramref name="address"/>; false if any byte is unreadable.</summary>
    bool TryRead(ulong address, Span<byte> destination);
}
