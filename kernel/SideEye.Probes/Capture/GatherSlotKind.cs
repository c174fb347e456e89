namespace SideEye.Probes.Capture;

/// <summary>How the probe finds the memory a slot of a gathered value refers to (see <see cref="GatherSlot"/>).</summary>
public enum GatherSlotKind : byte
{
    /// <summary>u64 at Offset is the address of one Child.</summary>
    Pointer = 1,
    /// <summary>u64 at Offset is the address of N Child elements, N the u64 at CountOffset (strings, slices, a channel's buffer).</summary>
    Counted = 2,
    /// <summary>N = 1 &lt;&lt; (u8 at CountOffset): a Go ≤1.23 map's bucket array, 2^B buckets.</summary>
    Shift = 3,
    /// <summary>A growing Go ≤1.23 map's old buckets: 2^(B-1), or 2^B when growing to the same size (flags byte at AltChild has sameSizeGrow).</summary>
    ShiftOld = 8,
    /// <summary>N = (u64 at CountOffset) + 1: a swiss table's groups, lengthMask + 1 of them.</summary>
    PlusOne = 4,
    /// <summary>A swiss map's dirPtr: one Child group when dirLen (u64 at CountOffset) is 0, else dirLen AltChild table pointers.</summary>
    SwissDirectory = 5,
    /// <summary>An empty interface at Offset: (type, data); the dynamic type picks Child at run time.</summary>
    Eface = 6,
    /// <summary>A non-empty interface at Offset: (itab, data); the dynamic type is read from the itab.</summary>
    Iface = 7,
}
