using SideEye.Binary.Dwarf.Types;
using SideEye.Probes.Specs;

namespace SideEye.Probes.Values;

/// <summary>
/// Go from 1.24: a map is a *internal/runtime/maps.Map; with dirLen 0 its dirPtr is a single group, otherwise a
/// directory of table pointers whose groups hold 8 slots each behind a control word. Layouts come from the
/// linker's synthesized DWARF types map&lt;K,V&gt;, table&lt;K,V&gt;, groupReference&lt;K,V&gt; and the
/// compiler's group type. What it reads is <see cref="ValueReadRules"/>'s Swiss rule.
/// </summary>
internal static class SwissMapReader
{
    public static bool Handles(GoType mapType) => RuntimeStructs.Pointee(mapType).Name.StartsWith("map<", StringComparison.Ordinal);

    public static long? Count(GoType mapType, ulong map, BlockReader reader)
    {
        var header = RuntimeStructs.Pointee(mapType);
        return reader.Read(map, header.Size) is { } m ? BlockReader.I64(m, RuntimeStructs.Field(header, "used").Offset) : null;
    }

    public static MapContents? Read(GoType mapType, ulong map, BlockReader reader, CaptureLimits limits)
    {
        var header = RuntimeStructs.Pointee(mapType);
        if (reader.Read(map, header.Size) is not { } m) return null;
        var used = BlockReader.I64(m, RuntimeStructs.Field(header, "used").Offset);
        var dirPtr = BlockReader.U64(m, RuntimeStructs.Field(header, "dirPtr").Offset);
        var dirLen = BlockReader.I64(m, RuntimeStructs.Field(header, "dirLen").Offset);

        var table = RuntimeStructs.Field(header, "dirPtr").Type.Elem?.Elem ?? throw new SideEyeException($"{header.Name}.dirPtr is not **table");
        var groups = RuntimeStructs.Field(table, "groups");
        var data = RuntimeStructs.Field(groups.Type, "data");
        var lengthMask = RuntimeStructs.Field(groups.Type, "lengthMask");
        var layout = new Layout(data.Type.Elem ?? throw new SideEyeException($"{groups.Type.Name}.data has no element type"), mapType);

        var slots = new List<MapSlot>();
        ulong? unread = null;
        if (dirLen == 0)
        {
            if (dirPtr != 0)
            {
                if (reader.Read(dirPtr, layout.Size) is { } group) TakeGroup(group, 0, dirPtr);
                else unread = dirPtr;
            }
            return new MapContents(slots, used, unread);
        }

        var entries = ValueReadRules.DirectoryCount(dirLen, limits);
        if (reader.Read(dirPtr, entries * ValueReadRules.PointerSize) is not { } directory)
            return new MapContents(slots, used, dirPtr);
        var budget = ValueReadRules.GroupBudget(layout.Size, limits);
        var seen = new HashSet<ulong>();
        for (var i = 0; i < entries && budget > 0; i++)
        {
            var tableAddress = BlockReader.U64(directory, i * ValueReadRules.PointerSize);
            if (tableAddress == 0 || !seen.Add(tableAddress)) continue; // a table covers 2^(globalDepth-localDepth) slots
            if (reader.Read(tableAddress, table.Size) is not { } t) { unread ??= tableAddress; continue; }
            var groupsAddress = BlockReader.U64(t, groups.Offset + data.Offset);
            var length = (long)Math.Min(BlockReader.U64(t, groups.Offset + lengthMask.Offset), int.MaxValue - 1) + 1;
            var n = (int)Math.Min(length, budget);
            budget -= n;
            if (reader.Read(groupsAddress, n * layout.Size) is not { } block) { unread ??= groupsAddress; continue; }
            for (var g = 0; g < n; g++) TakeGroup(block, g * layout.Size, groupsAddress + (ulong)(g * layout.Size));
        }
        return new MapContents(slots, used, unread);

        void TakeGroup(byte[] block, long at, ulong groupAddress)
        {
            var group = block.AsSpan((int)at, (int)layout.Size).ToArray();
            var ctrl = BlockReader.U64(group, layout.Ctrl);
            for (var j = 0; j < ValueReadRules.MapSlots; j++)
            {
                if (((ctrl >> (8 * j)) & ValueReadRules.CtrlEmptyBit) != 0) continue; // empty or deleted
                var slot = layout.Slots + j * layout.SlotSize;
                var (keyBytes, keyAddress) = MapSlotReads.Slot(group, groupAddress, slot + layout.Key, layout.KeySlot, layout.KeySize, layout.IndirectKey, reader, ref unread);
                var (valueBytes, valueAddress) = MapSlotReads.Slot(group, groupAddress, slot + layout.Elem, layout.ElemSlot, layout.ElemSize, layout.IndirectElem, reader, ref unread);
                slots.Add(new MapSlot(keyBytes, keyAddress, valueBytes, valueAddress));
            }
        }
    }

    sealed class Layout
    {
        public Layout(GoType group, GoType mapType)
        {
            Size = group.Size;
            Ctrl = RuntimeStructs.Field(group, "ctrl").Offset;
            var slots = RuntimeStructs.Field(group, "slots");
            Slots = slots.Offset;
            var slot = slots.Type.Elem ?? throw new SideEyeException($"{group.Name}.slots has no element type");
            SlotSize = slot.Size;
            var key = RuntimeStructs.Field(slot, "key");
            var elem = RuntimeStructs.Field(slot, "elem");
            Key = key.Offset;
            Elem = elem.Offset;
            KeySlot = key.Type.Size;
            ElemSlot = elem.Type.Size;
            KeySize = mapType.Key?.Size ?? KeySlot;
            ElemSize = mapType.Elem?.Size ?? ElemSlot;
            IndirectKey = KeySize > ValueReadRules.MaxInlineMapSlotBytes;
            IndirectElem = ElemSize > ValueReadRules.MaxInlineMapSlotBytes;
        }

        public long Size { get; }
        public long Ctrl { get; }
        public long Slots { get; }
        public long SlotSize { get; }
        public long Key { get; }
        public long Elem { get; }
        public long KeySlot { get; }
        public long ElemSlot { get; }
        public long KeySize { get; }
        public long ElemSize { get; }
        public bool IndirectKey { get; }
        public bool IndirectElem { get; }
    }
}
