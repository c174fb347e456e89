using SideEye.Binary.Dwarf.Frame;
using SideEye.Binary.Dwarf.Info;
using SideEye.Binary.Dwarf.Line;
using SideEye.Binary.Dwarf.Lists;
using SideEye.Binary.Dwarf.Types;
using SideEye.Binary.Elf;

namespace SideEye.Binary.Dwarf;

/// <summary>
/// The DWARF of one Go binary. Opening reads only the unit headers; name indexes (types, functions,
/// constants, variables) are built on first use in one fast pass, and everything else — DIE subtrees,
/// line programs, range and location lists, CFI — is decoded on demand and cached.
/// </summary>
public sealed class DwarfData
{
    readonly DwarfSections _sections;
    readonly List<DwarfCompileUnit> _units;
    readonly int[] _unitOffsets;
    readonly Lazy<DwarfIndex> _index;
    readonly Lazy<DwarfFrameTable?> _frames;
    readonly Lazy<(DwarfRange Range, DwarfCompileUnit Unit)[]> _unitRanges;
    readonly Lazy<(DwarfRange Range, int Offset)[]> _functionRanges;

    DwarfData(ElfImage image, DwarfSections sections, List<DwarfCompileUnit> units, bool compressed)
    {
        Image = image;
        _sections = sections;
        _units = units;
        _unitOffsets = units.Select(u => u.Offset).ToArray();
        IsCompressed = compressed;
        sections.UnitLookup = UnitContaining;
        Types = new GoTypeResolver(this, image.PointerSize);
        _index = new Lazy<DwarfIndex>(() => DwarfIndex.Build(_units));
        _frames = new Lazy<DwarfFrameTable?>(() => _sections.Frame.Length == 0 ? null : new DwarfFrameTable(_sections.Frame, image.PointerSize));
        _unitRanges = new Lazy<(DwarfRange, DwarfCompileUnit)[]>(BuildUnitRanges);
        _functionRanges = new Lazy<(DwarfRange, int)[]>(BuildFunctionRanges);
    }

    /// <summary>Reads the DWARF of <paramref name="image"/>; null when the binary has no .debug_info (built with -w or stripped).</summary>
    public static DwarfData? Load(ElfImage image)
    {
        var info = image.SectionData(".debug_info");
        if (info is null) return null;
        var section = image.FindDwarfSection(".debug_info");
        var sections = new DwarfSections(image, new DwarfSection(image.Path, ".debug_info", info.Value));
        var units = DwarfCompileUnit.ReadHeaders(sections);
        return new DwarfData(image, sections, units, section?.IsCompressed ?? false);
    }

    public ElfImage Image { get; }
    /// <summary>DWARF version of the first unit (Go writes 4 up to 1.24 and 5 from 1.25).</summary>
    public int Version => _units.Count > 0 ? _units[0].Version : 0;
    /// <summary>Whether .debug_info is stored compressed (SHF_COMPRESSED or .zdebug).</summary>
    public bool IsCompressed { get; }
    public IReadOnlyList<DwarfCompileUnit> CompileUnits => _units;
    public GoTypeResolver Types { get; }

    /// <summary>Builds the name indexes now (otherwise built on first lookup).</summary>
    public void BuildIndex() => _ = _index.Value;

    public int FunctionCount => _index.Value.Functions.Count;
    public int TypeCount => _index.Value.TypeCount;

    /// <summary>Every subprogram with code, in .debug_info order, decoded as enumerated.</summary>
    public IEnumerable<DwarfFunction> Functions
    {
        get
        {
            foreach (var offset in _index.Value.Functions) yield return FunctionAt(offset);
        }
    }

    public DwarfFunction? FindFunction(string name) =>
        _index.Value.FunctionsByName.TryGetValue(name, out var off) ? FunctionAt(off) : null;

    /// <summary>The function whose code holds <paramref name="pc"/>.</summary>
    public DwarfFunction? FunctionFor(ulong pc)
    {
        var ranges = _functionRanges.Value;
        int lo = 0, hi = ranges.Length - 1, found = -1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            if (ranges[mid].Range.Low <= pc) { found = mid; lo = mid + 1; }
            else hi = mid - 1;
        }
        return found >= 0 && ranges[found].Range.Contains(pc) ? FunctionAt(ranges[found].Offset) : null;
    }

    (DwarfRange Range, int Offset)[] BuildFunctionRanges()
    {
        var list = new List<(DwarfRange, int)>();
        foreach (var f in Functions)
            foreach (var r in f.Ranges) list.Add((r, f.DieOffset));
        list.Sort((a, b) => a.Item1.Low.CompareTo(b.Item1.Low));
        return list.ToArray();
    }

    DwarfFunction FunctionAt(int offset) => new(UnitContaining(offset).ReadEntry(offset));

    /// <summary>
    /// The abstract declaration of an inlined function (<see cref="DwarfInlinedCall.OriginOffset"/>): its name,
    /// and its parameters and locals with their types, but no code and no locations.
    /// </summary>
    public DwarfFunction AbstractFunction(int originOffset) => FunctionAt(originOffset);

    /// <summary>A type by its Go name ("runtime.g", "*main.Order", "[]string", "map[string]int", "main.Pair[int,string]").</summary>
    public GoType? FindType(string name) =>
        _index.Value.Types.TryGetValue(name, out var off) ? Types.TypeAt(off) : null;

    public IEnumerable<string> TypeNames => _index.Value.Types.Keys;

    /// <summary>A package-level constant (DW_TAG_constant), e.g. "runtime._Grunning".</summary>
    public long? FindConstant(string name) => _index.Value.Constants.TryGetValue(name, out var v) ? v : null;

    public IEnumerable<KeyValuePair<string, long>> Constants => _index.Value.Constants;

    /// <summary>Address of a package-level variable located by DW_OP_addr, e.g. "runtime.allgs".</summary>
    public ulong? FindVariableAddress(string name) => _index.Value.Variables.TryGetValue(name, out var v) ? v.Address : null;

    /// <summary>A package-level variable by its full name ("main.config", "net/http.DefaultClient"): address and type.</summary>
    public DwarfGlobalVariable? FindVariable(string name)
    {
        if (!_index.Value.Variables.TryGetValue(name, out var v)) return null;
        var entry = UnitContaining(v.Offset).ReadEntry(v.Offset);
        return new DwarfGlobalVariable(name, v.Address, entry.Reference(DwarfAttribute.Type) is { } t ? Types.TypeAt(t) : null);
    }

    /// <summary>Names of the package-level variables with a fixed address.</summary>
    public IEnumerable<string> VariableNames => _index.Value.Variables.Keys;

    /// <summary>The line-table row covering <paramref name="pc"/> (from the unit whose ranges hold it).</summary>
    public DwarfLineRow? LineFor(ulong pc)
    {
        var ranges = _unitRanges.Value;
        int lo = 0, hi = ranges.Length - 1, found = -1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            if (ranges[mid].Range.Low <= pc) { found = mid; lo = mid + 1; }
            else hi = mid - 1;
        }
        // Unit ranges may nest or overlap slightly; look back a little for one that holds the PC.
        for (var i = found; i >= 0 && i > found - 8; i--)
        {
            if (!ranges[i].Range.Contains(pc)) continue;
            if (ranges[i].Unit.LineTable?.Find(pc) is { } row) return row;
        }
        return null;
    }

    /// <summary>The CFI row in effect at <paramref name="pc"/> (.debug_frame), or null if no FDE covers it.</summary>
    public FrameRow? FrameAt(ulong pc) => _frames.Value?.RowAt(pc);

    /// <summary>The CFA rule at <paramref name="pc"/> (register + offset for Go code).</summary>
    public FrameRule? CfaAt(ulong pc) => FrameAt(pc)?.Cfa;

    public DwarfFrameTable? FrameTable => _frames.Value;

    /// <summary>The unit containing a .debug_info offset.</summary>
    public DwarfCompileUnit UnitContaining(int offset)
    {
        var i = Array.BinarySearch(_unitOffsets, offset);
        if (i < 0) i = ~i - 1;
        if (i < 0 || offset >= _units[i].End)
            throw _sections.Info.Error($"offset 0x{offset:x} is not inside any unit", offset);
        return _units[i];
    }

    (DwarfRange, DwarfCompileUnit)[] BuildUnitRanges()
    {
        var list = new List<(DwarfRange, DwarfCompileUnit)>();
        foreach (var unit in _units)
        {
            if (unit.StmtList is null) continue;
            foreach (var r in unit.Ranges) list.Add((r, unit));
        }
        list.Sort((a, b) => a.Item1.Low.CompareTo(b.Item1.Low));
        return list.ToArray();
    }
}
