namespace SideEye.Binary.Dwarf.Info;

/// <summary>A decoded DIE: its tag, its attribute values, and where its children start.</summary>
public sealed class DwarfEntry
{
    readonly DwarfValue[] _values;

    internal DwarfEntry(DwarfCompileUnit unit, int offset, DwarfAbbrev abbrev, DwarfValue[] values, int childrenOffset)
    {
        Unit = unit;
        Offset = offset;
        Abbrev = abbrev;
        _values = values;
        ChildrenOffset = childrenOffset;
    }

    public DwarfCompileUnit Unit { get; }
    public int Offset { get; }
    public DwarfAbbrev Abbrev { get; }
    public DwarfTag Tag => Abbrev.Tag;
    public bool HasChildren => Abbrev.HasChildren;
    /// <summary>Offset of the first child (just past this DIE's attributes).</summary>
    public int ChildrenOffset { get; }
    internal int SiblingOffset => Value(DwarfAttribute.Sibling) is { } s && s.Raw < int.MaxValue ? (int)s.Raw : -1;

    public DwarfValue? Value(DwarfAttribute attribute)
    {
        var i = Abbrev.IndexOf(attribute);
        return i < 0 ? null : _values[i];
    }

    public IEnumerable<(DwarfAttribute Attribute, DwarfValue Value)> Attributes =>
        Abbrev.Attributes.Select((spec, i) => (spec.Attribute, _values[i]));

    public string? String(DwarfAttribute attribute) => Value(attribute) is { IsString: true } v ? Unit.ReadString(v) : null;
    public string? Name => String(DwarfAttribute.Name);

    public ulong? Address(DwarfAttribute attribute) => Value(attribute) is { IsAddress: true } v ? Unit.ReadAddress(v) : null;

    /// <summary>An integer attribute (constant class or flag).</summary>
    public ulong? UInt(DwarfAttribute attribute) =>
        Value(attribute) is { } v && (v.IsConstant || v.Form is DwarfForm.Flag or DwarfForm.FlagPresent) ? v.Raw : null;

    /// <summary>A signed integer attribute; data1/2/4 are sign-extended (Go writes DW_AT_const_value that way).</summary>
    public long? Int(DwarfAttribute attribute) => Value(attribute) is { } v ? v.Form switch
    {
        DwarfForm.Data1 => (sbyte)v.Raw,
        DwarfForm.Data2 => (short)v.Raw,
        DwarfForm.Data4 => (int)v.Raw,
        DwarfForm.Data8 or DwarfForm.Sdata or DwarfForm.Udata or DwarfForm.ImplicitConst => v.Signed,
        _ => null,
    } : null;

    public bool Flag(DwarfAttribute attribute) => Value(attribute) is { } v && v.Raw != 0;

    /// <summary>Absolute .debug_info offset referenced by the attribute.</summary>
    public int? Reference(DwarfAttribute attribute) =>
        Value(attribute) is { IsReference: true } v && v.Raw <= int.MaxValue ? (int)v.Raw : null;

    /// <summary>The bytes of a block or exprloc attribute (a DWARF expression, usually).</summary>
    public ReadOnlyMemory<byte>? Block(DwarfAttribute attribute) =>
        Value(attribute) is { IsBlock: true } v ? Unit.Sections.Info.Data.Slice(v.DataOffset, v.DataLength) : null;

    /// <summary>DW_AT_high_pc as an address: either an address form or (DWARF 4+) an offset from low_pc.</summary>
    public ulong? HighPc(ulong lowPc) => Value(DwarfAttribute.HighPc) is not { } v ? null
        : v.IsAddress ? Unit.ReadAddress(v) : lowPc + v.Raw;

    public override string ToString() => $"<0x{Offset:x}> {Tag} {Name}";
}
