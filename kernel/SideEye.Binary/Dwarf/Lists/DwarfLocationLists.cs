using SideEye.Binary.Dwarf;
using SideEye.Binary.Dwarf.Info;

namespace SideEye.Binary.Dwarf.Lists;

/// <summary>
/// Reads location lists: DWARF 2–4 <c>.debug_loc</c> and DWARF 5 <c>.debug_loclists</c> (with addresses
/// from <c>.debug_addr</c>). One reader per version, one entry shape (<see cref="DwarfLocationEntry"/>).
/// </summary>
public static class DwarfLocationLists
{
    /// <summary>Resolves a DW_AT_location that is a list reference (sec_offset or loclistx).</summary>
    public static IReadOnlyList<DwarfLocationEntry> Read(DwarfCompileUnit unit, DwarfValue value)
    {
        var s = unit.Sections;
        if (unit.Version < 5) return ReadV4(s.Loc, unit, value.Raw);
        var section = s.LocLists;
        var offset = value.Form == DwarfForm.Loclistx ? DwarfRangeLists.ListOffset(section, unit.LocListsBase, value.Raw, unit.Is64Bit) : value.Raw;
        return ReadV5(section, unit, offset);
    }

    static DwarfReader Start(DwarfSection section, ulong offset)
    {
        if (offset >= (ulong)section.Length) throw section.Error($"location list offset 0x{offset:x} outside the section", (long)Math.Min(offset, int.MaxValue));
        return section.ReaderAt((long)offset);
    }

    /// <summary>DWARF 2–4: (begin, end) pairs relative to the base address, each followed by a 2-byte expression length.</summary>
    public static IReadOnlyList<DwarfLocationEntry> ReadV4(DwarfSection section, DwarfCompileUnit unit, ulong offset)
    {
        var r = Start(section, offset);
        var size = unit.AddressSize;
        var maxAddress = size == 8 ? ulong.MaxValue : uint.MaxValue;
        var @base = unit.BaseAddress;
        var list = new List<DwarfLocationEntry>();
        while (true)
        {
            var at = r.Position;
            var begin = r.Address(size);
            var end = r.Address(size);
            if (begin == 0 && end == 0) return list;
            if (begin == maxAddress) { @base = end; continue; }
            var length = r.U16();
            var exprAt = r.Position;
            r.Skip(length);
            list.Add(new DwarfLocationEntry(@base + begin, @base + end, section.Data.Slice(exprAt, length), false, at));
        }
    }

    /// <summary>DWARF 5: DW_LLE_* entries; expressions carry a ULEB128 length.</summary>
    public static IReadOnlyList<DwarfLocationEntry> ReadV5(DwarfSection section, DwarfCompileUnit unit, ulong offset)
    {
        var r = Start(section, offset);
        var size = unit.AddressSize;
        var @base = unit.BaseAddress;
        var list = new List<DwarfLocationEntry>();
        while (true)
        {
            var at = r.Position;
            var kind = r.U8();
            ulong low, high;
            var isDefault = false;
            switch (kind)
            {
                case 0: return list; // DW_LLE_end_of_list
                case 1: @base = unit.AddressAtIndex(r.Uleb()); continue; // base_addressx
                case 2: low = unit.AddressAtIndex(r.Uleb()); high = unit.AddressAtIndex(r.Uleb()); break; // startx_endx
                case 3: low = unit.AddressAtIndex(r.Uleb()); high = low + r.Uleb(); break; // startx_length
                case 4: low = @base + r.Uleb(); high = @base + r.Uleb(); break; // offset_pair
                case 5: low = 0; high = 0; isDefault = true; break; // default_location
                case 6: @base = r.Address(size); continue; // base_address
                case 7: low = r.Address(size); high = r.Address(size); break; // start_end
                case 8: low = r.Address(size); high = low + r.Uleb(); break; // start_length
                case 9: r.Uleb(); r.Uleb(); continue; // DW_LLE_GNU_view_pair: gcc's location views, not a location
                default: throw section.Error($"unknown location list entry kind {kind}", at);
            }
            var length = r.Uleb();
            if (length > (ulong)r.Remaining) throw section.Error($"location expression of {length} bytes runs past the section", r.Position);
            var exprAt = r.Position;
            r.Skip((long)length);
            list.Add(new DwarfLocationEntry(low, high, section.Data.Slice(exprAt, (int)length), isDefault, at));
        }
    }
}
