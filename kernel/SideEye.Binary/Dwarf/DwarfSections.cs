using SideEye.Binary.Dwarf.Info;
using SideEye.Binary.Elf;

namespace SideEye.Binary.Dwarf;

/// <summary>The DWARF sections of one binary, decompressed on demand by <see cref="ElfImage"/>; absent ones are empty.</summary>
internal sealed class DwarfSections
{
    readonly ElfImage _image;
    readonly Dictionary<string, DwarfSection> _loaded = new(StringComparer.Ordinal);

    public DwarfSections(ElfImage image, DwarfSection info)
    {
        _image = image;
        Info = info;
    }

    public string File => _image.Path;
    /// <summary>Finds the unit holding a .debug_info offset (for cross-unit references); set by <see cref="DwarfData"/>.</summary>
    public Func<int, DwarfCompileUnit>? UnitLookup { get; set; }
    public DwarfSection Info { get; }
    public DwarfSection Abbrev => Get(".debug_abbrev");
    public DwarfSection Str => Get(".debug_str");
    public DwarfSection LineStr => Get(".debug_line_str");
    public DwarfSection StrOffsets => Get(".debug_str_offsets");
    public DwarfSection Addr => Get(".debug_addr");
    public DwarfSection Line => Get(".debug_line");
    public DwarfSection Loc => Get(".debug_loc");
    public DwarfSection LocLists => Get(".debug_loclists");
    public DwarfSection Ranges => Get(".debug_ranges");
    public DwarfSection RngLists => Get(".debug_rnglists");
    public DwarfSection Frame => Get(".debug_frame");

    readonly System.Collections.Concurrent.ConcurrentDictionary<ulong, DwarfAbbrevTable> _abbrevTables = new();

    /// <summary>Abbreviation tables are shared by units (Go writes a single one), so they are parsed once per offset.</summary>
    public DwarfAbbrevTable AbbrevTable(ulong offset)
    {
        if (_abbrevTables.TryGetValue(offset, out var t)) return t;
        t = DwarfAbbrevTable.Parse(Abbrev, (long)Math.Min(offset, long.MaxValue));
        return _abbrevTables.GetOrAdd(offset, t);
    }

    DwarfSection Get(string name)
    {
        lock (_loaded)
        {
            if (_loaded.TryGetValue(name, out var s)) return s;
            var data = _image.SectionData(name);
            s = data is { } d ? new DwarfSection(_image.Path, name, d) : DwarfSection.Empty(_image.Path, name);
            _loaded[name] = s;
            return s;
        }
    }
}
