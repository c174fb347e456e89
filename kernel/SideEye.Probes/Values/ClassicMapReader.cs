using SideEye.Binary.Dwarf.Types;

namespace SideEye.Probes.Values;

/// <summary>
/// Go up to 1.23: a map is a *hmap whose bucket arrays hold 8 slots per bucket (tophash, keys, values,
/// overflow), laid out by the linker's synthesized DWARF types hash&lt;K,V&gt; and bucket&lt;K,V&gt;.
/// What it reads is <see cref="ValueReadRules"/>'s hmap rule.
/// </summary>
internal static class ClassicMapReader
{
    public static bool Handles(GoType mapType) => RuntimeStructs.Pointee(mapType).Name.StartsWith("hash<", StringComparison.Ordinal);

    /// <summary>The count from the header alone (for len).</summary>
    public static long? Count(GoType mapType, ulong hmap, BlockReader reader)
    {
        var hash = RuntimeStructs.Pointee(mapType);
        return reader.Read(hmap, hash.Size) is { } h ? BlockReader.I64(h, RuntimeStructs.Field(hash, "count").Offset) : null;
    }

    public static MapContents? Read(GoType mapType, ulong hmap, BlockReader reader, Specs.CaptureLimits limits)
    {
        var hash = RuntimeStructs.Pointee(mapType);
        if (reader.Read(hmap, hash.Size) is not { } h) return null;
        var count = BlockReader.I64(h, RuntimeStructs.Field(hash, "count").Offset);
        var b = h[RuntimeStructs.Field(hash, "B").Offset];
        var flags = h[RuntimeStructs.Field(hash, "flags").Offset];
        var buckets = BlockReader.U64(h, RuntimeStructs.Field(hash, "buckets").Offset);
        var oldBuckets = BlockReader.U64(h, RuntimeStructs.Field(hash, "oldbuckets").Offset);

        var bucket = RuntimeStructs.Field(hash, "buckets").Type.Elem ?? throw new SideEyeException($"{hash.Name}.buckets has no element type");
        var layout = new Layout(bucket, mapType);
        var slots = new List<MapSlot>();
        ulong? unread = null;
        if (buckets != 0) ReadArray(buckets, 1L << b, old: false);
        if (oldBuckets != 0) ReadArray(oldBuckets, (flags & ValueReadRules.SameSizeGrow) != 0 || b == 0 ? 1L << b : 1L << (b - 1), old: true);
        return new MapContents(slots, count, unread);

        void ReadArray(ulong address, long length, bool old)
        {
            var n = ValueReadRules.BucketCount(length, layout.Size, limits);
            if (reader.Read(address, n * layout.Size) is not { } block) { unread ??= address; return; }
            var overflowLeft = n;
            for (var i = 0; i < n; i++)
            {
                var at = i * layout.Size;
                var first = block[at + layout.TopHash];
                // An evacuated old bucket's entries (and its overflow chain) now live in the new array.
                if (old && first >= ValueReadRules.EvacuatedX && first <= ValueReadRules.EvacuatedEmpty) continue;
                var current = block.AsSpan((int)at, (int)layout.Size).ToArray();
                var currentAddress = address + (ulong)at;
                while (true)
                {
                    TakeSlots(current, currentAddress);
                    var overflow = BlockReader.U64(current, layout.Overflow);
                    if (overflow == 0 || overflowLeft == 0) break;
                    overflowLeft--;
                    if (reader.Read(overflow, layout.Size) is not { } next) { unread ??= overflow; break; }
                    current = next;
                    currentAddress = overflow;
                }
            }
        }

        void TakeSlots(byte[] bucketBytes, ulong bucketAddress)
        {
            for (var j = 0; j < ValueReadRules.MapSlots; j++)
            {
                if (bucketBytes[layout.TopHash + j] < ValueReadRules.MinTopHash) continue; // empty or evacuated slot
                var key = layout.Keys + j * layout.KeySlot;
                var value = layout.Values + j * layout.ValueSlot;
                var (keyBytes, keyAddress) = MapSlotReads.Slot(bucketBytes, bucketAddress, key, layout.KeySlot, layout.KeySize, layout.IndirectKey, reader, ref unread);
                var (valueBytes, valueAddress) = MapSlotReads.Slot(bucketBytes, bucketAddress, value, layout.ValueSlot, layout.ValueSize, layout.IndirectValue, reader, ref unread);
                slots.Add(new MapSlot(keyBytes, keyAddress, valueBytes, valueAddress));
            }
        }
    }

    sealed class Layout
    {
        public Layout(GoType bucket, GoType mapType)
        {
            Size = bucket.Size;
            TopHash = RuntimeStructs.Field(bucket, "tophash").Offset;
            var keys = RuntimeStructs.Field(bucket, "keys");
            var values = RuntimeStructs.Field(bucket, "values", "elems");
            Keys = keys.Offset;
            Values = values.Offset;
            Overflow = RuntimeStructs.Field(bucket, "overflow").Offset;
            KeySlot = keys.Type.Size / ValueReadRules.MapSlots;
            ValueSlot = values.Type.Size / ValueReadRules.MapSlots;
            KeySize = mapType.Key?.Size ?? KeySlot;
            ValueSize = mapType.Elem?.Size ?? ValueSlot;
            IndirectKey = KeySize > ValueReadRules.MaxInlineMapSlotBytes;
            IndirectValue = ValueSize > ValueReadRules.MaxInlineMapSlotBytes;
        }

        public long Size { get; }
        public long TopHash { get; }
        public long Keys { get; }
        public long Values { get; }
        public long Overflow { get; }
        public long KeySlot { get; }
        public long ValueSlot { get; }
        public long KeySize { get; }
        public long ValueSize { get; }
        public bool IndirectKey { get; }
        public bool IndirectValue { get; }
    }
}
