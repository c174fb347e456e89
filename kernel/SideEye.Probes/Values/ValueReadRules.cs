using SideEye.Binary.Dwarf.Types;
using SideEye.GoRuntime.Versions;
using SideEye.Probes.Specs;

namespace SideEye.Probes.Values;

/// <summary>
/// The one definition of what a capture reads from the target, shared by the userspace decoder
/// (<see cref="ValueFormatter"/>) and the BPF probe, which copies exactly these blocks while the target is paused.
/// <list type="bullet">
/// <item>Depth: the captured value is depth 0; following a pointer, or an interface's data word to a boxed value,
/// is +1; a value deeper than <see cref="CaptureLimits.PointerDepth"/> is not read. String bytes, slice
/// elements, map internals, channel internals and buffers, a func value's funcval and an itab are payload of the
/// value that owns them and add no depth.</item>
/// <item>Every read is one contiguous block of at most <see cref="MaxBlockBytes"/>; a value larger than that is
/// read up to the cap and its parts beyond are reported as not read. Zero-size values are not read.</item>
/// <item>string: the header, then <see cref="StringByteCount"/> bytes. slice: the header, then
/// <see cref="SliceElementCount"/> elements in one block. pointer: <see cref="PointeeBytes"/> at the address.</item>
/// <item>interface: the type word (eface) or, for an iface, 8 bytes at itab + <c>_type</c>'s offset (8 in Go
/// 1.19–1.26, read from DWARF); a pointer-shaped dynamic type (<see cref="IsPointerShaped"/>) is the data word
/// itself, any other is read at the data word (+1 depth). A dynamic type without DWARF is named from its runtime
/// type descriptor in the executable file (not from memory); basic kinds still decode, others become a marker.</item>
/// <item>map up to Go 1.23 (hmap): the hmap; <see cref="BucketCount"/> buckets of the bucket array in one block;
/// each read bucket's overflow chain one bucket per read, at most <see cref="BucketCount"/> overflow buckets per
/// array in all; while growing, the old array the same way (2^(B-1) buckets, 2^B for a same-size grow), whose
/// buckets count only if tophash[0] is not evacuated (evacuatedX..evacuatedEmpty). A slot is full if its tophash
/// is at least minTopHash (these runtime constants as the binary's DWARF declares them, GoRuntime.Maps.ClassicMapConstants). Keys or elements over 128 bytes are stored as pointers: one more read each.</item>
/// <item>map from Go 1.24 (Swiss tables): the Map; dirLen 0: dirPtr is one group. Otherwise
/// <see cref="DirectoryCount"/> table pointers in one block; each distinct table in directory order (a table
/// repeats for each directory slot it covers), its table struct, then groups from the start of its group array,
/// in one block per table, until <see cref="GroupBudget"/> groups have been read over all tables. A slot is full
/// if its control byte has the high bit clear.</item>
/// <item>channel: the hchan; <see cref="SliceElementCount"/>(dataqsiz) elements from the start of buf.</item>
/// <item>func value: 8 bytes at the funcval (the code pointer).</item>
/// </list>
/// </summary>
public static class ValueReadRules
{
    /// <summary>No single read is larger than this.</summary>
    public const int MaxBlockBytes = 4096;

    /// <summary>Pointer size of every supported target (amd64, arm64).</summary>
    public const int PointerSize = 8;

    /// <summary>Keys and elements larger than this are stored in buckets and groups as pointers (abi.MapMaxKeyBytes/MapMaxElemBytes, also OldMap*).</summary>
    public const int MaxInlineMapSlotBytes = 128;

    /// <summary>Slots per Swiss group (an hmap bucket's count comes from its DWARF type).</summary>
    public const int MapSlots = 8;

    /// <summary>A Swiss control byte with this bit set is empty or deleted (maps.ctrlEmpty 0x80, ctrlDeleted 0xFE).</summary>
    public const byte CtrlEmptyBit = 0x80;

    /// <summary>How many bytes of a string of <paramref name="length"/> bytes are read.</summary>
    public static int StringByteCount(long length, CaptureLimits limits) =>
        length <= 0 ? 0 : (int)Math.Min(length, Math.Min(limits.StringBytes, MaxBlockBytes));

    /// <summary>How many elements of a slice (or channel buffer) of <paramref name="length"/> elements are read, in one block.</summary>
    public static int SliceElementCount(long length, long elemSize, CaptureLimits limits) =>
        Clamp(length, elemSize, limits.SliceBytes);

    /// <summary>How many buckets of an hmap bucket array of <paramref name="buckets"/> are read (one block); also the overflow cap.</summary>
    public static int BucketCount(long buckets, long bucketSize, CaptureLimits limits) => Clamp(buckets, bucketSize, limits.MapBytes);

    /// <summary>How many table pointers of a Swiss directory of <paramref name="dirLen"/> entries are read (one block).</summary>
    public static int DirectoryCount(long dirLen, CaptureLimits limits) => Clamp(dirLen, PointerSize, limits.MapBytes);

    /// <summary>How many Swiss groups are read over all tables of one map.</summary>
    public static int GroupBudget(long groupSize, CaptureLimits limits) =>
        groupSize <= 0 ? 1 : (int)Math.Max(1, Math.Min(limits.MapBytes / groupSize, MaxBlockBytes / groupSize));

    /// <summary>Bytes read at a non-nil pointer to a value of <paramref name="size"/> bytes.</summary>
    public static int PointeeBytes(long size) => (int)Math.Clamp(size, 0, MaxBlockBytes);

    /// <summary>
    /// n = min(count, max(1, budget / size)), also at most max(1, <see cref="MaxBlockBytes"/> / size); 0 when
    /// count is 0; zero-size items: min(count, budget).
    /// </summary>
    static int Clamp(long count, long size, int budget)
    {
        if (count <= 0) return 0;
        if (size <= 0) return (int)Math.Min(count, budget);
        var n = Math.Min(count, Math.Max(1, budget / size));
        return (int)Math.Min(n, Math.Max(1, MaxBlockBytes / size));
    }

    /// <summary>
    /// Whether an interface stores a value of this type in its data word itself (the compiler's IsDirectIface).
    /// Up to Go 1.25: pointers, maps, channels, funcs, unsafe.Pointer, and structs and arrays made of exactly one
    /// such field or element. From Go 1.26: any type of pointer size whose one word is a pointer.
    /// </summary>
    public static bool IsPointerShaped(GoType type, GoVersion version)
    {
        if (version.AtLeast(1, 26)) return type.Size == PointerSize && WordZeroIsPointer(type, 0);
        return OldRule(type, 0);

        static bool OldRule(GoType t, int nesting)
        {
            if (nesting > 16) return false;
            switch (ValueKinds.Of(t))
            {
                case GoKind.Pointer or GoKind.UnsafePointer or GoKind.Map or GoKind.Chan or GoKind.Func: return true;
                case GoKind.Struct:
                    var fields = t.Resolved.Fields;
                    return fields.Count == 1 && OldRule(fields[0].Type, nesting + 1);
                case GoKind.Array:
                    return t.Resolved.Count == 1 && t.Elem is { } e && OldRule(e, nesting + 1);
                default: return false;
            }
        }

        static bool WordZeroIsPointer(GoType t, int nesting)
        {
            if (nesting > 16) return false;
            switch (ValueKinds.Of(t))
            {
                case GoKind.Pointer or GoKind.UnsafePointer or GoKind.Map or GoKind.Chan or GoKind.Func: return true;
                case GoKind.Struct:
                    var first = t.Resolved.Fields.FirstOrDefault(f => f.Offset == 0 && f.Type.Size > 0);
                    return first is not null && WordZeroIsPointer(first.Type, nesting + 1);
                case GoKind.Array:
                    return t.Elem is { } e && WordZeroIsPointer(e, nesting + 1);
                default: return false;
            }
        }
    }
}
