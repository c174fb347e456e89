using SideEye.Binary.Dwarf.Expr;
using SideEye.Binary.Dwarf.Info;

namespace SideEye.Binary.Dwarf;

/// <summary>
/// Name indexes over the top-level DIEs of every unit (types, functions with code, package constants and
/// variables), built in one allocation-light pass that reads only names and skips everything else.
/// Units are indexed in parallel and merged in unit order, so "first definition wins" is deterministic.
/// </summary>
internal sealed class DwarfIndex
{
    public Dictionary<string, int> Types { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, int> FunctionsByName { get; } = new(StringComparer.Ordinal);
    public List<int> Functions { get; } = new();
    public Dictionary<string, long> Constants { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, (ulong Address, int Offset)> Variables { get; } = new(StringComparer.Ordinal);
    public int TypeCount { get; private set; }

    sealed class UnitResult
    {
        public readonly List<(string Name, int Offset)> Types = new();
        public readonly List<(string? Name, int Offset)> Functions = new();
        public readonly List<(string Name, long Value)> Constants = new();
        public readonly List<(string Name, ulong Address, int Offset)> Variables = new();
        public int TypeCount;
    }

    public static DwarfIndex Build(IReadOnlyList<DwarfCompileUnit> units)
    {
        var results = new UnitResult[units.Count];
        // Touch the shared sections once up front so the parallel pass only reads.
        if (units.Count > 0) { _ = units[0].Sections.Abbrev; _ = units[0].Sections.Str; _ = units[0].Sections.Addr; _ = units[0].Sections.StrOffsets; }
        try
        {
            Parallel.For(0, units.Count, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, Environment.ProcessorCount) },
                i => results[i] = IndexUnit(units[i]));
        }
        catch (AggregateException e) when (e.InnerExceptions.FirstOrDefault(x => x is BinaryFormatException) is { } format)
        {
            // Report the format problem itself, not the parallel loop's wrapper.
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(format);
        }
        var index = new DwarfIndex();
        foreach (var r in results)
        {
            index.TypeCount += r.TypeCount;
            foreach (var (n, o) in r.Types) index.Types.TryAdd(n, o);
            foreach (var (n, o) in r.Functions)
            {
                index.Functions.Add(o);
                if (n is not null) index.FunctionsByName.TryAdd(n, o);
            }
            foreach (var (n, v) in r.Constants) index.Constants.TryAdd(n, v);
            foreach (var (n, a, o) in r.Variables) index.Variables.TryAdd(n, (a, o));
        }
        return index;
    }

    public static bool IsTypeTag(DwarfTag tag) => (ushort)tag is 0x01 or 0x02 or 0x04 or 0x0f or 0x10 or 0x12 or 0x13 or 0x15 or 0x16
        or 0x17 or 0x1f or 0x20 or 0x24 or 0x26 or 0x29 or 0x2d or 0x35 or 0x37 or 0x38 or 0x3b or 0x40 or 0x42 or 0x47 or 0x4b;

    static UnitResult IndexUnit(DwarfCompileUnit unit)
    {
        var result = new UnitResult();
        var c = unit.Cursor(unit.FirstDieOffset);
        if (!c.Next(out var root, out _) || root is null) return result;
        c.SkipAttributes(root);
        if (!root.HasChildren) return result;
        while (c.Next(out var abbrev, out var offset) && abbrev is not null)
        {
            var tag = abbrev.Tag;
            if (tag is DwarfTag.Subprogram or DwarfTag.Variable or DwarfTag.Constant || IsTypeTag(tag))
                IndexEntry(ref c, unit, abbrev, offset, result);
            else
                c.SkipAttributes(abbrev);
            if (abbrev.HasChildren) c.SkipChildren();
        }
        return result;
    }

    static void IndexEntry(ref DwarfDieCursor c, DwarfCompileUnit unit, DwarfAbbrev abbrev, int offset, UnitResult result)
    {
        DwarfValue name = default, location = default, constValue = default;
        bool hasName = false, hasCode = false, hasLocation = false, hasConst = false, hasSpec = false;
        foreach (var spec in abbrev.Specs)
        {
            var v = c.ReadValue(spec.Form, spec.ImplicitConst);
            switch (spec.Attribute)
            {
                case DwarfAttribute.Name: name = v; hasName = true; break;
                case DwarfAttribute.LowPc or DwarfAttribute.Ranges: hasCode = true; break;
                case DwarfAttribute.Location: location = v; hasLocation = true; break;
                case DwarfAttribute.ConstValue: constValue = v; hasConst = true; break;
                case (DwarfAttribute)0x47: hasSpec = true; break; // DW_AT_specification
            }
        }
        var tag = abbrev.Tag;
        if (tag == DwarfTag.Subprogram)
        {
            if (hasCode) result.Functions.Add((hasName ? unit.ReadString(name) : null, offset));
            return;
        }
        if (!hasName) { if (IsTypeTag(tag)) result.TypeCount++; return; }
        var text = unit.ReadString(name);
        if (text is null) return;
        if (IsTypeTag(tag))
        {
            result.TypeCount++;
            result.Types.Add((text, offset));
        }
        else if (tag == DwarfTag.Constant && hasConst && constValue.IsConstant)
        {
            result.Constants.Add((text, constValue.Form switch
            {
                DwarfForm.Data1 => (sbyte)constValue.Raw,
                DwarfForm.Data2 => (short)constValue.Raw,
                DwarfForm.Data4 => (int)constValue.Raw,
                _ => constValue.Signed,
            }));
        }
        else if (tag == DwarfTag.Variable && hasLocation && !hasSpec && location.IsBlock && location.DataLength >= 1)
        {
            // Package-level variables are a single DW_OP_addr (DW_OP_addrx from a DWARF 5 producer that indexes addresses).
            var expr = unit.Sections.Info.Data.Span.Slice(location.DataOffset, location.DataLength);
            if (expr[0] == (byte)DwarfOp.Addr && expr.Length == 1 + unit.AddressSize)
                result.Variables.Add((text, unit.AddressSize == 8 ? System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(expr[1..])
                                                                : System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(expr[1..]), offset));
            else if (expr[0] == (byte)DwarfOp.Addrx && expr.Length >= 2)
            {
                var r = new DwarfSection(unit.Sections.File, ".debug_info", unit.Sections.Info.Data.Slice(location.DataOffset + 1, location.DataLength - 1)).ReaderAt(0);
                result.Variables.Add((text, unit.AddressAtIndex(r.Uleb()), offset));
            }
        }
    }
}
