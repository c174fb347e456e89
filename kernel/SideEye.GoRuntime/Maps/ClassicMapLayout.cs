using SideEye.Binary.Dwarf.Types;
using SideEye.GoRuntime.Layouts;

namespace SideEye.GoRuntime.Maps;

/// <summary>
/// How a map of one type keeps its entries up to Go 1.23, read from the binary's DWARF: the map type points to
/// hash&lt;K,V&gt; (the linker's copy of runtime.hmap with typed bucket pointers) and its buckets field to
/// bucket&lt;K,V&gt; (tophash bytes, then the keys, the values and the overflow pointer), both written by the
/// linker for every map type. The one source of these numbers for the value decoder and the snapshot probe.
/// From Go 1.24 maps are Swiss tables and the map type points elsewhere (<see cref="IsClassic"/> is false).
/// </summary>
public sealed record ClassicMapLayout
{
    /// <summary>The hash&lt;K,V&gt; type the layout was read from.</summary>
    public required string HeaderType { get; init; }
    public required int HeaderSize { get; init; }
    /// <summary>hmap.count: live entries.</summary>
    public required FieldLocation Count { get; init; }
    /// <summary>hmap.flags: holds sameSizeGrow while a grow keeps the bucket count.</summary>
    public required FieldLocation Flags { get; init; }
    /// <summary>hmap.B: log2 of the bucket count, so 0 means the map has exactly one bucket.</summary>
    public required FieldLocation B { get; init; }
    public required FieldLocation Buckets { get; init; }
    /// <summary>hmap.oldbuckets: non-nil while the map grows; entries may still sit in the old array.</summary>
    public required FieldLocation OldBuckets { get; init; }

    public required int BucketSize { get; init; }
    /// <summary>Slots per bucket: the length of the tophash array (abi.MapBucketCount).</summary>
    public required int Slots { get; init; }
    public required int TopHash { get; init; }
    public required int Keys { get; init; }
    public required int Values { get; init; }
    public required int Overflow { get; init; }
    /// <summary>Bytes per key slot: the key itself, or a pointer to it when the key is larger than 128 bytes.</summary>
    public required int KeySlot { get; init; }
    public required int ValueSlot { get; init; }

    /// <summary>Whether this map type (a typedef chain ending in a pointer) points to a hash&lt;K,V&gt;.</summary>
    public static bool IsClassic(GoType mapType) =>
        mapType.Resolved.Elem is { } header && header.Name.StartsWith("hash<", StringComparison.Ordinal);

    public static ClassicMapLayout Read(GoType mapType)
    {
        var header = mapType.Resolved.Elem is { } h && h.Name.StartsWith("hash<", StringComparison.Ordinal) ? h
            : throw new SideEyeException($"DWARF map type {mapType.Name} does not point to a hash<K,V> (a map of Go 1.23 or earlier)");
        var buckets = Field(header, "buckets");
        var bucket = buckets.Type.Resolved.Elem
            ?? throw new SideEyeException($"DWARF type {header.Name}: buckets is a {buckets.Type.Name}, not a pointer to bucket<K,V>");
        var tophash = Field(bucket, "tophash");
        var keys = Field(bucket, "keys");
        var values = Field(bucket, "values");
        var slots = tophash.Type.Resolved.Count is { } n and > 0 ? (int)n
            : throw new SideEyeException($"DWARF type {bucket.Name}: tophash is a {tophash.Type.Name}, not an array");
        if (tophash.Type.Size != slots) throw new SideEyeException($"DWARF type {bucket.Name}: tophash is a {tophash.Type.Name}, not one byte per slot");
        return new ClassicMapLayout
        {
            HeaderType = header.Name,
            HeaderSize = (int)header.Size,
            Count = Location(header, "count"),
            Flags = Location(header, "flags"),
            B = Location(header, "B"),
            Buckets = Location(header, "buckets"),
            OldBuckets = Location(header, "oldbuckets"),
            BucketSize = (int)bucket.Size,
            Slots = slots,
            TopHash = (int)tophash.Offset,
            Keys = (int)keys.Offset,
            Values = (int)values.Offset,
            Overflow = (int)Field(bucket, "overflow").Offset,
            KeySlot = (int)(keys.Type.Size / slots),
            ValueSlot = (int)(values.Type.Size / slots),
        };
    }

    static FieldLocation Location(GoType type, string name)
    {
        var field = Field(type, name);
        return new FieldLocation((int)field.Offset, (int)field.Type.Size, field.Type.Name);
    }

    static GoTypeField Field(GoType type, string name) =>
        type.Resolved.Field(name) ?? throw new SideEyeException($"DWARF type {type.Name} has no field {name}");
}
