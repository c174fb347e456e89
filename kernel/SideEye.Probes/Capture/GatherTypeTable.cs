using SideEye.Binary.Dwarf.Types;
using SideEye.GoRuntime.Versions;
using SideEye.Probes.Specs;
using SideEye.Probes.Values;

namespace SideEye.Probes.Capture;

/// <summary>
/// The types the probe may copy, flattened for it: each type's size and the slots that lead to more memory
/// (pointers, string and slice data, map and channel internals, interfaces). Built from DWARF once per binary and
/// spec; the probe walks it breadth-first from each captured value, the decoder then reads the copied memory with
/// the DWARF types themselves. The limits (bytes of a string, of slice elements, of a map array) are baked into
/// each slot's <see cref="GatherSlot.MaxCount"/>, computed by <see cref="ValueReadRules"/>, the rules the decoder reads by.
/// Id 0 is "nothing to copy", 1 raw bytes, 2 a func value's code pointer.
/// </summary>
public sealed class GatherTypeTable
{
    public const int None = 0, Bytes = 1, FuncValue = 2;
    /// <summary>No single copy is larger: the probe's buffer, and the decoder's rule.</summary>
    public const int MaxBlockBytes = ValueReadRules.MaxBlockBytes;
    /// <summary>Slots of one type, arrays expanded: beyond this a type's remaining references are not followed.</summary>
    public const int MaxSlotsPerType = 64;

    readonly List<GatherType> _types = [new("none", 0, 0, 0), new("bytes", 1, 0, 0), new("funcval", 8, 0, 0)];
    readonly List<GatherSlot> _slots = [];
    readonly Dictionary<(int Die, int Variant), int> _ids = new();
    readonly CaptureLimits _limits;
    readonly int _maxTypes;
    readonly int _maxSlots;

    readonly GoVersion _version;

    /// <param name="version">Which values an interface holds in its data word changed in Go 1.26 (<see cref="ValueReadRules.IsPointerShaped"/>).</param>
    public GatherTypeTable(CaptureLimits limits, GoVersion version, int maxTypes = 1 << 16, int maxSlots = 1 << 17)
    {
        _limits = limits;
        _version = version;
        _maxTypes = maxTypes;
        _maxSlots = maxSlots;
    }

    public IReadOnlyList<GatherType> Types => _types;
    public IReadOnlyList<GatherSlot> Slots => _slots;
    /// <summary>True once a type had to be left out because the table was full (its values are then not followed).</summary>
    public bool Full { get; private set; }

    /// <summary>The id of <paramref name="type"/> as a value to copy at an address (its own bytes and what they refer to).</summary>
    public int IdOf(GoType type) => Intern(type, Variant.Value);

    /// <summary>
    /// The id to copy at an interface's data word when its dynamic type is <paramref name="type"/>: pointer-shaped
    /// types are stored in the word itself, so what is copied is what they point to; other types are boxed.
    /// 0 when nothing is to be copied.
    /// </summary>
    public int InterfaceDataId(GoType type)
    {
        return IsPointerShaped(type) ? DirectTarget(type, 0) : type.Size > 0 ? IdOf(type) : None;
    }

    /// <summary>What a pointer-shaped value's one word points to (a struct of one pointer field: that field's pointee).</summary>
    int DirectTarget(GoType type, int nesting)
    {
        if (nesting > 16) return None;
        if (type.Kind is GoKind.Map or GoKind.Chan) return HeaderOf(type);
        var t = type.Resolved;
        return t.Kind switch
        {
            GoKind.Pointer => t.Elem is { Size: > 0 } e ? IdOf(e) : None,
            GoKind.Func => FuncValue,
            GoKind.Struct => t.Fields.FirstOrDefault(f => f.Offset == 0 && f.Type.Size == 8) is { } f ? DirectTarget(f.Type, nesting + 1) : None,
            GoKind.Array => t.Elem is { } e ? DirectTarget(e, nesting + 1) : None,
            _ => None,
        };
    }

    /// <summary>Pointer-shaped types (kindDirectIface): held in an interface's data word itself, by the target's rule.</summary>
    bool IsPointerShaped(GoType type) => ValueReadRules.IsPointerShaped(type, _version);

    enum Variant { Value, ChanHeader, TableDirectory }

    int Intern(GoType type, Variant variant)
    {
        var key = (type.DieOffset, (int)variant);
        if (_ids.TryGetValue(key, out var id)) return id;
        if (_types.Count >= _maxTypes) { Full = true; return None; }
        id = _types.Count;
        _ids[key] = id;
        _types.Add(default); // reserve the id first: the type may refer to itself
        var slots = new List<GatherSlot>();
        long size;
        switch (variant)
        {
            case Variant.ChanHeader:
                size = ChanHeader(type, slots);
                break;
            case Variant.TableDirectory:
                size = 8;
                slots.Add(new GatherSlot(GatherSlotKind.Pointer, 0, 0, IdOf(type), None, 1, CostsDepth: false));
                break;
            default:
                size = Math.Max(0, type.Size);
                Flatten(type, 0, slots);
                break;
        }
        if (_slots.Count + slots.Count > _maxSlots) { Full = true; slots.Clear(); }
        _types[id] = new GatherType(type.Name, size, _slots.Count, slots.Count);
        _slots.AddRange(slots);
        return id;
    }

    /// <summary>Adds the slots of a value of <paramref name="type"/> placed at <paramref name="at"/>.</summary>
    void Flatten(GoType type, long at, List<GatherSlot> slots)
    {
        if (slots.Count >= MaxSlotsPerType) return;
        var t = type.Resolved;
        var offset = (int)at;
        // Maps, channels and interfaces are typedefs of their runtime representation: their own kind decides.
        switch (type.Kind is GoKind.Map or GoKind.Chan or GoKind.Interface ? type.Kind : t.Kind)
        {
            case GoKind.String:
                slots.Add(new GatherSlot(GatherSlotKind.Counted, offset, offset + 8, Bytes, None, ValueReadRules.StringByteCount(long.MaxValue, _limits), false));
                break;
            case GoKind.Slice when t.Elem is { Size: > 0 } e:
                slots.Add(new GatherSlot(GatherSlotKind.Counted, offset, offset + 8, IdOf(e), None, ValueReadRules.SliceElementCount(long.MaxValue, e.Size, _limits), false));
                break;
            case GoKind.Array when t.Elem is { Size: > 0 } e && t.Count is { } n:
                for (long i = 0; i < n && slots.Count < MaxSlotsPerType; i++)
                {
                    var before = slots.Count;
                    Flatten(e, at + i * e.Size, slots);
                    if (slots.Count == before) break; // elements without references: none of them has any
                }
                break;
            case GoKind.Struct:
                FlattenStruct(t, at, slots);
                break;
            case GoKind.Pointer when t.Elem is { Size: > 0 } e:
                slots.Add(new GatherSlot(GatherSlotKind.Pointer, offset, 0, IdOf(e), None, 1, true));
                break;
            case GoKind.Map or GoKind.Chan:
                if (HeaderOf(type) is var header and not None)
                    slots.Add(new GatherSlot(GatherSlotKind.Pointer, offset, 0, header, None, 1, false));
                break;
            case GoKind.Func:
                // The funcval's code pointer is part of the func value (no pointer hop), as the decoder reads it.
                slots.Add(new GatherSlot(GatherSlotKind.Pointer, offset, 0, FuncValue, None, 1, false));
                break;
            case GoKind.Interface:
                var empty = t.Fields.Count > 0 && t.Fields[0].Name == "_type";
                slots.Add(new GatherSlot(empty ? GatherSlotKind.Eface : GatherSlotKind.Iface, offset, 0, None, None, 1, true));
                break;
        }
    }

    /// <summary>Structs, with the runtime's map internals (which DWARF names hash&lt;K,V&gt;, bucket&lt;K,V&gt;, map&lt;K,V&gt;, table&lt;K,V&gt;) read as arrays.</summary>
    void FlattenStruct(GoType t, long at, List<GatherSlot> slots)
    {
        var offset = (int)at;
        if (t.Name.StartsWith("hash<", StringComparison.Ordinal)
            && t.Field("buckets") is { } buckets && t.Field("oldbuckets") is { } old && t.Field("B") is { } b && t.Field("flags") is { } flags
            && buckets.Type.Resolved.Elem is { Size: > 0 } bucket)
        {
            var id = IdOf(bucket);
            var max = ValueReadRules.BucketCount(long.MaxValue, bucket.Size, _limits);
            slots.Add(new GatherSlot(GatherSlotKind.Shift, offset + (int)buckets.Offset, offset + (int)b.Offset, id, None, max, false));
            // The old array is half the size (unless growing in place): reading 2^B would run past it into other objects.
            slots.Add(new GatherSlot(GatherSlotKind.ShiftOld, offset + (int)old.Offset, offset + (int)b.Offset, id, offset + (int)flags.Offset, max, false));
            return;
        }
        if (t.Name.StartsWith("map<", StringComparison.Ordinal)
            && t.Field("dirPtr") is { } dir && t.Field("dirLen") is { } dirLen
            && dir.Type.Resolved.Elem?.Resolved.Elem is { } table
            && table.Field("groups") is { } groups && groups.Type.Field("data")?.Type.Resolved.Elem is { Size: > 0 } group)
        {
            slots.Add(new GatherSlot(GatherSlotKind.SwissDirectory, offset + (int)dir.Offset, offset + (int)dirLen.Offset,
                IdOf(group), Intern(table, Variant.TableDirectory), ValueReadRules.DirectoryCount(long.MaxValue, _limits), false));
            return;
        }
        if (t.Name.StartsWith("table<", StringComparison.Ordinal)
            && t.Field("groups") is { } g && g.Type.Field("data") is { } data && g.Type.Field("lengthMask") is { } mask
            && data.Type.Resolved.Elem is { Size: > 0 } groupType)
        {
            var at0 = offset + (int)g.Offset;
            // At most the whole map's group budget per table: the decoder spends that budget over all tables.
            slots.Add(new GatherSlot(GatherSlotKind.PlusOne, at0 + (int)data.Offset, at0 + (int)mask.Offset, IdOf(groupType), None,
                ValueReadRules.GroupBudget(groupType.Size, _limits), false));
            return;
        }
        var isBucket = t.Name.StartsWith("bucket<", StringComparison.Ordinal);
        foreach (var field in t.Fields)
        {
            if (slots.Count >= MaxSlotsPerType) return;
            if (isBucket && field.Name == "overflow")
            {
                // An overflow bucket is more of the same map, not a pointer hop.
                slots.Add(new GatherSlot(GatherSlotKind.Pointer, offset + (int)field.Offset, 0, IdOf(t), None, 1, false));
                continue;
            }
            Flatten(field.Type, at + field.Offset, slots);
        }
    }

    /// <summary>What a map or channel value points to, as a type to copy: the map header, or the channel header with its buffer.</summary>
    int HeaderOf(GoType type)
    {
        if (type.Kind == GoKind.Chan) return Intern(type, Variant.ChanHeader);
        var t = type.Resolved;
        return t.Kind == GoKind.Pointer && t.Elem is { } pointee ? IdOf(pointee) : None;
    }

    long ChanHeader(GoType chan, List<GatherSlot> slots)
    {
        var hchan = chan.Resolved.Kind == GoKind.Pointer ? chan.Resolved.Elem : null;
        hchan ??= chan.Underlying?.Resolved.Elem;
        if (hchan is null || hchan.Field("buf") is not { } buf || hchan.Field("dataqsiz") is not { } size) return 0;
        if (chan.Elem is { Size: > 0 } e)
            slots.Add(new GatherSlot(GatherSlotKind.Counted, (int)buf.Offset, (int)size.Offset, IdOf(e), None, ValueReadRules.SliceElementCount(long.MaxValue, e.Size, _limits), false));
        return hchan.Size;
    }
}
