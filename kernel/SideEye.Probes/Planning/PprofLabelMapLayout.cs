using SideEye.GoRuntime.Layouts;
using SideEye.GoRuntime.Maps;

namespace SideEye.Probes.Planning;

/// <summary>
/// How the probe reads a goroutine's pprof labels where runtime/pprof.labelMap is a map[string]string (Go 1.19–1.23):
/// it copies the start of the hmap, gives up (flagging the labels unread) unless the map has one bucket and is not
/// growing, then copies that bucket and takes the (key, value) string headers of the slots whose tophash marks them
/// full. Every number comes from the runtime model (the binary's DWARF, or its release's layout data), through the
/// same <see cref="ClassicMapLayout"/> the value decoder reads maps with.
/// </summary>
public sealed record PprofLabelMapLayout
{
    /// <summary>A string header (data pointer, length): what a map[string]string keeps in each key and value slot.</summary>
    public const int StringHeaderSize = 16;

    /// <summary>hmap.count: zero means no labels.</summary>
    public required GFieldPlan Count { get; init; }
    /// <summary>hmap.B: log2 of the bucket count, so anything but zero means more than the one bucket the probe reads.</summary>
    public required GFieldPlan B { get; init; }
    public required GFieldPlan Buckets { get; init; }
    /// <summary>hmap.oldbuckets: non-nil while the map grows, when some labels may still be in the old array.</summary>
    public required GFieldPlan OldBuckets { get; init; }
    public required int BucketSize { get; init; }
    /// <summary>Slots per bucket; slot j's tophash byte is at TopHash + j.</summary>
    public required int Slots { get; init; }
    public required int TopHash { get; init; }
    /// <summary>Slot j's key string header is at Keys + <see cref="StringHeaderSize"/> * j.</summary>
    public required int Keys { get; init; }
    /// <summary>Slot j's value string header is at Values + <see cref="StringHeaderSize"/> * j.</summary>
    public required int Values { get; init; }
    /// <summary>runtime.minTopHash: a slot whose tophash is below it is empty.</summary>
    public required int MinTopHash { get; init; }

    /// <summary>Bytes of the hmap the probe copies: up to the end of the last field it looks at.</summary>
    public int HeaderReadBytes => Math.Max(Math.Max(Count.Offset + Count.Size, B.Offset + B.Size), Math.Max(Buckets.Offset + Buckets.Size, OldBuckets.Offset + OldBuckets.Size));

    /// <summary>Scratch the probe needs: the hmap's first bytes and, afterwards in the same place, the bucket.</summary>
    public int ScratchBytes => Math.Max(HeaderReadBytes, BucketSize);

    /// <param name="map">runtime/pprof.labelMap's layout, a map[string]string.</param>
    /// <param name="minTopHash">runtime.minTopHash of the binary's release.</param>
    public static PprofLabelMapLayout Create(ClassicMapLayout map, byte minTopHash, string file)
    {
        if (map.KeySlot != StringHeaderSize || map.ValueSlot != StringHeaderSize)
            throw new SideEyeException($"{file}: runtime/pprof.labelMap's buckets hold {map.KeySlot}-byte keys and {map.ValueSlot}-byte values, not string headers");
        return new PprofLabelMapLayout
        {
            Count = Field(map, "count", map.Count),
            B = Field(map, "B", map.B),
            Buckets = Field(map, "buckets", map.Buckets),
            OldBuckets = Field(map, "oldbuckets", map.OldBuckets),
            BucketSize = map.BucketSize,
            Slots = map.Slots,
            TopHash = map.TopHash,
            Keys = map.Keys,
            Values = map.Values,
            MinTopHash = minTopHash,
        };
    }

    static GFieldPlan Field(ClassicMapLayout map, string name, FieldLocation f) =>
        f.Size is 1 or 2 or 4 or 8 ? new GFieldPlan($"{map.HeaderType}.{name}", f.Offset, f.Size)
            : throw new SideEyeException($"{map.HeaderType}.{name} is {f.Size} bytes ({f.TypeName}); the probe reads 1, 2, 4 or 8");
}
