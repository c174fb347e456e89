using SideEye.Binary.Dwarf.Info;
using SideEye.Binary.Dwarf.Lists;

namespace SideEye.Binary.Dwarf;

/// <summary>
/// A DW_TAG_subprogram with code. Header attributes are read when the function is enumerated; variables
/// and inlined calls (walking the DIE subtree) are decoded on first access.
/// </summary>
public sealed class DwarfFunction
{
    readonly DwarfEntry _entry;
    readonly DwarfEntry _declaring; // the DIE carrying name and declaration: this one or its abstract origin
    IReadOnlyList<DwarfVariable>? _variables;
    IReadOnlyList<DwarfInlinedCall>? _inlined;
    IReadOnlyList<DwarfRange>? _ranges;

    internal DwarfFunction(DwarfEntry entry)
    {
        _entry = entry;
        // An out-of-line copy of an inlinable function names itself only through DW_AT_abstract_origin.
        Dictionary<int, DwarfEntry>? origins = null;
        _declaring = entry.Name is null && entry.Reference(DwarfAttribute.AbstractOrigin) is { } o ? Origin(entry.Unit, o, ref origins) : entry;
        Name = _declaring.Name ?? $"<subprogram@0x{entry.Offset:x}>";
        LowPc = entry.Address(DwarfAttribute.LowPc) ?? (Ranges.Count > 0 ? Ranges.Min(r => r.Low) : 0);
        HighPc = entry.HighPc(LowPc) ?? (Ranges.Count > 0 ? Ranges.Max(r => r.High) : LowPc);
        DeclLine = (int)Math.Min(_declaring.UInt(DwarfAttribute.DeclLine) ?? 0, int.MaxValue);
    }

    public string Name { get; }
    public ulong LowPc { get; }
    public ulong HighPc { get; }
    public DwarfCompileUnit Unit => _entry.Unit;
    public int DieOffset => _entry.Offset;
    public DwarfEntry Entry => _entry;
    /// <summary>Code ranges: DW_AT_ranges when present, else [LowPc, HighPc).</summary>
    public IReadOnlyList<DwarfRange> Ranges => _ranges ??= DwarfRangeLists.Of(_entry);
    public string? DeclFile => FileName(_declaring, DwarfAttribute.DeclFile);
    public int DeclLine { get; }
    /// <summary>DW_AT_frame_base (Go: DW_OP_call_frame_cfa).</summary>
    public ReadOnlyMemory<byte>? FrameBase => _entry.Block(DwarfAttribute.FrameBase);

    public bool Contains(ulong pc) => Ranges.Any(r => r.Contains(pc));

    public IReadOnlyList<DwarfVariable> Variables => _variables ??= CollectVariables(_entry, null, 0);
    public IReadOnlyList<DwarfInlinedCall> InlinedCalls => _inlined ??= CollectInlined(_entry, 0);

    // Real Go code nests blocks and inlined calls a few dozen deep at most; corrupt data could nest without end.
    const int MaxScopeDepth = 512;

    static void CheckDepth(DwarfEntry scope, int depth)
    {
        if (depth > MaxScopeDepth)
            throw scope.Unit.Sections.Info.Error($"scopes nested more than {MaxScopeDepth} deep", scope.Offset);
    }

    /// <summary>The inlined calls whose ranges hold <paramref name="pc"/>, innermost first (empty when pc is in the function's own code).</summary>
    public IReadOnlyList<DwarfInlinedCall> InlineChainAt(ulong pc)
    {
        var chain = new List<DwarfInlinedCall>();
        var level = InlinedCalls;
        while (level.FirstOrDefault(c => c.Ranges.Any(r => r.Contains(pc))) is { } hit)
        {
            chain.Add(hit);
            level = hit.InlinedCalls;
        }
        chain.Reverse();
        return chain;
    }

    internal static string? FileName(DwarfEntry entry, DwarfAttribute attribute) =>
        entry.UInt(attribute) is { } index ? entry.Unit.LineTable?.FileName((long)Math.Min(index, int.MaxValue)) : null;

    /// <summary>Parameters and locals, including those of lexical blocks, but not those of inlined calls.</summary>
    static List<DwarfVariable> CollectVariables(DwarfEntry scope, Dictionary<int, DwarfEntry>? origins, int depth)
    {
        CheckDepth(scope, depth);
        var list = new List<DwarfVariable>();
        foreach (var child in scope.Unit.Children(scope))
        {
            switch (child.Tag)
            {
                case DwarfTag.FormalParameter or DwarfTag.Variable:
                    var named = child;
                    if (child.Name is null && child.Reference(DwarfAttribute.AbstractOrigin) is { } origin)
                        named = Origin(child.Unit, origin, ref origins);
                    list.Add(new DwarfVariable(named.Name ?? "", child.Tag == DwarfTag.FormalParameter,
                        child.Reference(DwarfAttribute.Type) ?? named.Reference(DwarfAttribute.Type),
                        DwarfVariableLocation.Of(child), (int)Math.Min(named.UInt(DwarfAttribute.DeclLine) ?? 0, int.MaxValue), child.Offset));
                    break;
                case DwarfTag.LexicalBlock:
                    list.AddRange(CollectVariables(child, origins, depth + 1));
                    break;
            }
        }
        return list;
    }

    static DwarfEntry Origin(DwarfCompileUnit unit, int offset, ref Dictionary<int, DwarfEntry>? cache)
    {
        cache ??= new();
        if (cache.TryGetValue(offset, out var e)) return e;
        // Go usually puts abstract origins in the same unit, but DW_FORM_ref_addr may point into another.
        var owner = offset >= unit.FirstDieOffset && offset < unit.End ? unit : unit.Sections.UnitLookup?.Invoke(offset) ?? unit;
        e = owner.ReadEntry(offset);
        cache[offset] = e;
        return e;
    }

    static List<DwarfInlinedCall> CollectInlined(DwarfEntry scope, int depth)
    {
        CheckDepth(scope, depth);
        var list = new List<DwarfInlinedCall>();
        foreach (var child in scope.Unit.Children(scope))
        {
            if (child.Tag == DwarfTag.LexicalBlock) { list.AddRange(CollectInlined(child, depth + 1)); continue; }
            if (child.Tag != DwarfTag.InlinedSubroutine) continue;
            Dictionary<int, DwarfEntry>? origins = null;
            var name = child.Reference(DwarfAttribute.AbstractOrigin) is { } o ? Origin(child.Unit, o, ref origins).Name : child.Name;
            list.Add(new DwarfInlinedCall(name ?? $"<inlined@0x{child.Offset:x}>", DwarfRangeLists.Of(child),
                FileName(child, DwarfAttribute.CallFile), (int)Math.Min(child.UInt(DwarfAttribute.CallLine) ?? 0, int.MaxValue),
                CollectVariables(child, origins, depth + 1), CollectInlined(child, depth + 1), child.Offset, child.Reference(DwarfAttribute.AbstractOrigin)));
        }
        return list;
    }

    public override string ToString() => $"{Name} [0x{LowPc:x}, 0x{HighPc:x})";
}
