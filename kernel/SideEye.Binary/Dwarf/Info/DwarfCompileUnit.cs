using SideEye.Binary.Dwarf;
using SideEye.Binary.Dwarf.Line;
using SideEye.Binary.Dwarf.Lists;

namespace SideEye.Binary.Dwarf.Info;

/// <summary>
/// One unit of .debug_info. The header is read eagerly when the binary is opened; the root DIE (name,
/// bases for DWARF 5 index forms, line program offset) is read on first use, and other DIEs only when asked.
/// </summary>
public sealed class DwarfCompileUnit
{
    readonly DwarfSections _sections;
    DwarfAbbrevTable? _abbrevs;
    RootAttributes? _root;

    DwarfCompileUnit(DwarfSections sections, int index, int offset, int end, int version, DwarfUnitType unitType,
                     int addressSize, bool is64, ulong abbrevOffset, int firstDieOffset)
    {
        _sections = sections;
        Index = index;
        Offset = offset;
        End = end;
        Version = version;
        UnitType = unitType;
        AddressSize = addressSize;
        Is64Bit = is64;
        AbbrevOffset = abbrevOffset;
        FirstDieOffset = firstDieOffset;
    }

    public int Index { get; }
    /// <summary>Offset of the unit header in .debug_info.</summary>
    public int Offset { get; }
    /// <summary>Offset just past the unit.</summary>
    public int End { get; }
    public int Version { get; }
    public DwarfUnitType UnitType { get; }
    public int AddressSize { get; }
    /// <summary>64-bit DWARF (8-byte section offsets).</summary>
    public bool Is64Bit { get; }
    public ulong AbbrevOffset { get; }
    /// <summary>Offset of the root DIE.</summary>
    public int FirstDieOffset { get; }

    public string? Name => Root.Name;
    public string? CompDir => Root.CompDir;
    public string? Producer => Root.Producer;
    /// <summary>DW_AT_low_pc of the root: the base address for v4 location and range lists.</summary>
    public ulong BaseAddress => Root.LowPc;
    public ulong? StmtList => Root.StmtList;
    internal ulong AddrBase => Bases.AddrBase;
    internal ulong StrOffsetsBase => Bases.StrOffsetsBase;
    internal ulong RngListsBase => Bases.RngListsBase;
    internal ulong LocListsBase => Bases.LocListsBase;
    internal DwarfValue? RootRanges => Root.Ranges;

    /// <summary>The code ranges of the unit (root DW_AT_ranges, or [low_pc, high_pc)).</summary>
    public IReadOnlyList<DwarfRange> Ranges => _ranges ??= RootRanges is { } rv ? DwarfRangeLists.Read(this, rv)
        : RootHighPc is { } high ? [new DwarfRange(BaseAddress, high)] : [];
    IReadOnlyList<DwarfRange>? _ranges;
    internal ulong? RootHighPc => Root.HighPc;
    internal DwarfSections Sections => _sections;

    public DwarfAbbrevTable Abbrevs => _abbrevs ??= _sections.AbbrevTable(AbbrevOffset);

    /// <summary>Reads all unit headers of .debug_info (just the headers: a walk along the length fields).</summary>
    internal static List<DwarfCompileUnit> ReadHeaders(DwarfSections sections)
    {
        var info = sections.Info;
        var units = new List<DwarfCompileUnit>();
        var r = info.ReaderAt(0);
        while (!r.AtEnd)
        {
            var offset = r.Position;
            var length = r.InitialLength(out var is64);
            var end = r.UnitEnd(length);
            var version = r.U16();
            if (version is < 2 or > 5) throw info.Error($"unsupported DWARF version {version}", offset);
            DwarfUnitType type = DwarfUnitType.Compile;
            int addressSize;
            ulong abbrevOffset;
            if (version >= 5)
            {
                type = (DwarfUnitType)r.U8();
                addressSize = r.U8();
                abbrevOffset = r.Offset(is64);
                switch (type)
                {
                    case DwarfUnitType.Skeleton or DwarfUnitType.SplitCompile: r.Skip(8); break;
                    case DwarfUnitType.Type or DwarfUnitType.SplitType: r.Skip(8); r.Offset(is64); break;
                }
            }
            else
            {
                abbrevOffset = r.Offset(is64);
                addressSize = r.U8();
            }
            if (addressSize is not (4 or 8)) throw info.Error($"unsupported address size {addressSize}", offset);
            if (r.Position > end) throw info.Error("unit header runs past the unit", offset);
            units.Add(new DwarfCompileUnit(sections, units.Count, offset, end, version, type, addressSize, is64, abbrevOffset, r.Position));
            r.Position = end;
        }
        return units;
    }

    internal DwarfDieCursor Cursor(int offset)
    {
        if (offset < FirstDieOffset || offset > End)
            throw _sections.Info.Error($"DIE offset 0x{offset:x} outside unit at 0x{Offset:x}", offset);
        return new DwarfDieCursor(this, _sections.Info.ReaderAt(offset, End));
    }

    /// <summary>Decodes the DIE at an absolute .debug_info offset inside this unit.</summary>
    public DwarfEntry ReadEntry(int offset)
    {
        var c = Cursor(offset);
        if (!c.Next(out var abbrev, out var at) || abbrev is null)
            throw _sections.Info.Error("expected a DIE, found a null entry", offset);
        return c.ReadEntry(abbrev, at);
    }

    /// <summary>The direct children of a DIE (grandchildren are skipped).</summary>
    public IReadOnlyList<DwarfEntry> Children(DwarfEntry parent)
    {
        var list = new List<DwarfEntry>();
        if (!parent.HasChildren) return list;
        var c = Cursor(parent.ChildrenOffset);
        while (c.Next(out var abbrev, out var at) && abbrev is not null)
        {
            var e = c.ReadEntry(abbrev, at);
            list.Add(e);
            if (abbrev.HasChildren) c.SkipChildren(e.SiblingOffset);
        }
        return list;
    }

    public DwarfEntry RootEntry => ReadEntry(FirstDieOffset);

    // The root DIE is read in two steps because DWARF 5 strx/addrx values on the root itself need the
    // bases it declares. Each step publishes a complete object, so concurrent readers never see half of one.
    UnitBases Bases => _bases ??= ReadBases();
    RootAttributes Root => _root ??= ReadRoot();
    UnitBases? _bases;

    DwarfEntry? ReadRootEntry()
    {
        var c = Cursor(FirstDieOffset);
        return c.Next(out var abbrev, out var at) && abbrev is not null ? c.ReadEntry(abbrev, at) : null;
    }

    UnitBases ReadBases()
    {
        var e = ReadRootEntry();
        return e is null ? new UnitBases(0, 0, 0, 0) : new UnitBases(
            e.Value(DwarfAttribute.AddrBase)?.Raw ?? 0,
            e.Value(DwarfAttribute.StrOffsetsBase)?.Raw ?? 0,
            e.Value(DwarfAttribute.RnglistsBase)?.Raw ?? 0,
            e.Value(DwarfAttribute.LoclistsBase)?.Raw ?? 0);
    }

    RootAttributes ReadRoot()
    {
        var e = ReadRootEntry();
        if (e is null) return new RootAttributes(null, null, null, 0, null, null, null);
        var lowPc = e.Address(DwarfAttribute.LowPc) ?? 0;
        return new RootAttributes(e.String(DwarfAttribute.Name), e.String(DwarfAttribute.CompDir), e.String(DwarfAttribute.Producer),
            lowPc, e.HighPc(lowPc), e.Value(DwarfAttribute.StmtList)?.Raw, e.Value(DwarfAttribute.Ranges));
    }

    sealed record UnitBases(ulong AddrBase, ulong StrOffsetsBase, ulong RngListsBase, ulong LocListsBase);

    sealed record RootAttributes(string? Name, string? CompDir, string? Producer, ulong LowPc, ulong? HighPc, ulong? StmtList, DwarfValue? Ranges);

    // ---- interpretation of index and string forms, which depend on the unit's bases ----

    public string? ReadString(DwarfValue v)
    {
        switch (v.Form)
        {
            case DwarfForm.String:
                return System.Text.Encoding.UTF8.GetString(_sections.Info.Data.Span.Slice(v.DataOffset, v.DataLength));
            case DwarfForm.Strp:
                return StringAt(_sections.Str, v.Raw);
            case DwarfForm.LineStrp:
                return StringAt(_sections.LineStr, v.Raw);
            case DwarfForm.Strx or DwarfForm.Strx1 or DwarfForm.Strx2 or DwarfForm.Strx3 or DwarfForm.Strx4 or DwarfForm.GnuStrIndex:
            {
                var size = Is64Bit ? 8 : 4;
                var offsets = _sections.StrOffsets;
                var at = CheckedOffset(offsets, StrOffsetsBase, v.Raw, size);
                var r = offsets.ReaderAt(at);
                return StringAt(_sections.Str, r.Offset(Is64Bit));
            }
            default:
                return null;
        }
    }

    internal static string StringAt(DwarfSection section, ulong offset)
    {
        if (offset >= (ulong)section.Length) throw section.Error($"string offset 0x{offset:x} outside the section", (long)Math.Min(offset, long.MaxValue));
        var r = section.ReaderAt((long)offset);
        return r.CString();
    }

    /// <summary>The address of an addr/addrx value (DWARF 5 indexes go through .debug_addr at DW_AT_addr_base).</summary>
    public ulong ReadAddress(DwarfValue v) => v.Form == DwarfForm.Addr ? v.Raw : AddressAtIndex(v.Raw);

    public ulong AddressAtIndex(ulong index)
    {
        var addr = _sections.Addr;
        var at = CheckedOffset(addr, AddrBase, index, AddressSize);
        var r = addr.ReaderAt(at);
        return r.Address(AddressSize);
    }

    /// <summary>base + index * size, checked to lie inside the section.</summary>
    internal static long CheckedOffset(DwarfSection section, ulong @base, ulong index, int size)
    {
        if (index > int.MaxValue / 8 || @base > int.MaxValue) throw section.Error($"index {index} (base 0x{@base:x}) out of range", 0);
        var at = (long)@base + (long)index * size;
        if (at + size > section.Length) throw section.Error($"index {index} (base 0x{@base:x}) past the end of the section", at);
        return at;
    }

    /// <summary>The line table of this unit (decoded on first use, cached).</summary>
    public DwarfLineTable? LineTable => _lineTableLoaded ? _lineTable : LoadLineTable();

    DwarfLineTable? _lineTable;
    volatile bool _lineTableLoaded; // published after _lineTable, so a lock-free reader sees both
    readonly object _lineTableLock = new();

    DwarfLineTable? LoadLineTable()
    {
        lock (_lineTableLock)
        {
            if (!_lineTableLoaded)
            {
                _lineTable = StmtList is { } off ? DwarfLineTable.Parse(_sections, this, off) : null;
                _lineTableLoaded = true;
            }
            return _lineTable;
        }
    }

    public override string ToString() => $"unit {Index} @0x{Offset:x} v{Version} {Name}";
}
