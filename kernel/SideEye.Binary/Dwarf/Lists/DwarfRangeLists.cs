using SideEye.Binary.Dwarf;
using SideEye.Binary.Dwarf.Info;

namespace SideEye.Binary.Dwarf.Lists;

/// <summary>
/// Reads address range lists: DWARF 2–4 <c>.debug_ranges</c> and DWARF 5 <c>.debug_rnglists</c>, both
/// returned as absolute <see cref="DwarfRange"/>s. The unit decides which reader applies.
/// </summary>
public static class DwarfRangeLists
{
    /// <summary>The ranges of a DIE: DW_AT_ranges if present, else [low_pc, high_pc); empty when it has no code.</summary>
    public static IReadOnlyList<DwarfRange> Of(DwarfEntry entry)
    {
        if (entry.Value(DwarfAttribute.Ranges) is { } ranges) return Read(entry.Unit, ranges);
        if (entry.Address(DwarfAttribute.LowPc) is { } low && entry.HighPc(low) is { } high)
            return [new DwarfRange(low, high)];
        return [];
    }

    /// <summary>Resolves a DW_AT_ranges value of <paramref name="unit"/>.</summary>
    public static IReadOnlyList<DwarfRange> Read(DwarfCompileUnit unit, DwarfValue value)
    {
        var s = unit.Sections;
        if (unit.Version < 5) return ReadV4(s.Ranges, unit, value.Raw);
        var section = s.RngLists;
        ulong offset = value.Form == DwarfForm.Rnglistx ? ListOffset(section, unit.RngListsBase, value.Raw, unit.Is64Bit) : value.Raw;
        return ReadV5(section, unit, offset);
    }

    /// <summary>A DWARF 5 rnglistx/loclistx: an entry of the offset array at the unit's base, relative to that base.</summary>
    internal static ulong ListOffset(DwarfSection section, ulong @base, ulong index, bool is64)
    {
        var size = is64 ? 8 : 4;
        var at = DwarfCompileUnit.CheckedOffset(section, @base, index, size);
        var r = section.ReaderAt(at);
        return @base + r.Offset(is64);
    }

    static DwarfReader Start(DwarfSection section, ulong offset)
    {
        if (offset >= (ulong)section.Length) throw section.Error($"list offset 0x{offset:x} outside the section", (long)Math.Min(offset, int.MaxValue));
        return section.ReaderAt((long)offset);
    }

    static List<DwarfRange> ReadV4(DwarfSection section, DwarfCompileUnit unit, ulong offset)
    {
        var r = Start(section, offset);
        var size = unit.AddressSize;
        var maxAddress = size == 8 ? ulong.MaxValue : uint.MaxValue;
        var @base = unit.BaseAddress;
        var list = new List<DwarfRange>();
        while (true)
        {
            var begin = r.Address(size);
            var end = r.Address(size);
            if (begin == 0 && end == 0) return list;
            if (begin == maxAddress) { @base = end; continue; }
            list.Add(new DwarfRange(@base + begin, @base + end));
        }
    }

    static List<DwarfRange> ReadV5(DwarfSection section, DwarfCompileUnit unit, ulong offset)
    {
        var r = Start(section, offset);
        var size = unit.AddressSize;
        var @base = unit.BaseAddress;
        var list = new List<DwarfRange>();
        while (true)
        {
            var at = r.Position;
            var kind = r.U8();
            switch (kind)
            {
                case 0: return list; // DW_RLE_end_of_list
                case 1: @base = unit.AddressAtIndex(r.Uleb()); break; // base_addressx
                case 2: // startx_endx
                {
                    var b = unit.AddressAtIndex(r.Uleb());
                    list.Add(new DwarfRange(b, unit.AddressAtIndex(r.Uleb())));
                    break;
                }
                case 3: // startx_length
                {
                    var b = unit.AddressAtIndex(r.Uleb());
                    list.Add(new DwarfRange(b, b + r.Uleb()));
                    break;
                }
                case 4: // offset_pair
                {
                    var b = r.Uleb();
                    list.Add(new DwarfRange(@base + b, @base + r.Uleb()));
                    break;
                }
                case 5: @base = r.Address(size); break; // base_address
                case 6: // start_end
                {
                    var b = r.Address(size);
                    list.Add(new DwarfRange(b, r.Address(size)));
                    break;
                }
                case 7: // start_length
                {
                    var b = r.Address(size);
                    list.Add(new DwarfRange(b, b + r.Uleb()));
                    break;
                }
                default: throw section.Error($"unknown range list entry kind {kind}", at);
            }
        }
    }
}
