using SideEye.Binary.Dwarf.Types;
using SideEye.GoRuntime.Maps;

namespace SideEye.Probes.Values;

/// <summary>
/// Go up to 1.23: a map is a *hmap whose bucket arrays hold 8 slots per bucket (tophash, keys, values,
/// overflow), laid out as <see cref="ClassicMapLayout"/> reads it from the map type's DWARF, with the tophash
/// values of <see cref="ClassicMapConstants"/>. What it reads is <see cref="ValueReadRules"/>'s hmap rule.
/// </summary>
internal static class ClassicMapReader
{
    public static bool Handles(GoType mapType) => ClassicMapLayout.IsClassic(mapType);

    /// <summary>The count from the header alone (for len).</summary>
    public static long? Count(GoType mapType, ulong hmap, BlockReader reader)
    {
        var map = ClassicMapLayout.Read(mapType);
        return reader.Read(hmap, map.HeaderSize) is { } h ? BlockReader.I64(h, map.Count.Offset) : null;
    }

    public static MapContents? Read(GoType mapType, ulong hmap, BlockReader reader, Specs.CaptureLimits limits, ClassicMapConstants constants)
    {
        var map = ClassicMapLayout.Read(mapType);
        if (reader.Read(hmap, map.HeaderSize) is not { } h) return null;
        var count = BlockReader.I64(h, map.Count.Offset);
        var b = h[map.B.Offset];
        var flags = h[map.Flags.Offset];
        var buckets = BlockReader.U64(h, map.Buckets.Offset);
        var oldBuckets = BlockReader.U64(h, map.OldBuckets.Offset);

        long bucketSize = map.BucketSize;
        var keySize = mapType.Key?.Size ?? map.KeySlot;
        var valueSize = mapType.Elem?.Size ?? map.ValueSlot;
        var indirectKey = keySize > ValueReadRules.MaxInlineMapSlotBytes;
        var indirectValue = valueSize > ValueReadRules.MaxInlineMapSlotBytes;
        var slots = new List<MapSlot>();
        ulong? unread = null;
        if (buckets != 0) ReadArray(buckets, 1L << b, old: false);
        if (oldBuckets != 0) ReadArray(oldBuckets, (flags & constants.SameSizeGrow) != 0 || b == 0 ? 1L << b : 1L << (b - 1), old: true);
        return new MapContents(slots, count, unread);

        void ReadArray(ulong address, long length, bool old)
        {
            var n = ValueReadRules.BucketCount(length, bucketSize, limits);
            if (reader.Read(address, n * bucketSize) is not { } block) { unread ??= address; return; }
            var overflowLeft = n;
            for (var i = 0; i < n; i++)
            {
                var at = i * bucketSize;
                var first = block[at + map.TopHash];
                // An evacuated old bucket's entries (and its overflow chain) now live in the new array.
                if (old && first >= constants.EvacuatedX && first <= constants.EvacuatedEmpty) continue;
                var current = block.AsSpan((int)at, (int)bucketSize).ToArray();
                var currentAddress = address + (ulong)at;
                while (true)
                {
                    TakeSlots(current, currentAddress);
                    var overflow = BlockReader.U64(current, map.Overflow);
                    if (overflow == 0 || overflowLeft == 0) break;
                    overflowLeft--;
                    if (reader.Read(overflow, bucketSize) is not { } next) { unread ??= overflow; break; }
                    current = next;
                    currentAddress = overflow;
                }
            }
        }

        void TakeSlots(byte[] bucketBytes, ulong bucketAddress)
        {
            for (var j = 0; j < map.Slots; j++)
            {
                if (bucketBytes[map.TopHash + j] < constants.MinTopHash) continue; // empty or evacuated slot
                var key = map.Keys + j * map.KeySlot;
                var value = map.Values + j * map.ValueSlot;
                var (keyBytes, keyAddress) = MapSlotReads.Slot(bucketBytes, bucketAddress, key, map.KeySlot, keySize, indirectKey, reader, ref unread);
                var (valueBytes, valueAddress) = MapSlotReads.Slot(bucketBytes, bucketAddress, value, map.ValueSlot, valueSize, indirectValue, reader, ref unread);
                slots.Add(new MapSlot(keyBytes, keyAddress, valueBytes, valueAddress));
            }
        }
    }
}
