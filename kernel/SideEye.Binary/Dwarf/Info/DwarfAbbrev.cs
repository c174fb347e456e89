namespace SideEye.Binary.Dwarf.Info;

/// <summary>
/// An abbreviation declaration from .debug_abbrev. <see cref="FixedSize"/> is the byte size of all its
/// attribute values when every form has a fixed size for the unit's address/offset size, which lets the
/// index pass skip a whole DIE in one step.
/// </summary>
public sealed class DwarfAbbrev
{
    internal DwarfAbbrev(uint code, DwarfTag tag, bool hasChildren, DwarfAttributeSpec[] attributes)
    {
        Code = code;
        Tag = tag;
        HasChildren = hasChildren;
        Attributes = attributes;
    }

    public uint Code { get; }
    public DwarfTag Tag { get; }
    public bool HasChildren { get; }
    public IReadOnlyList<DwarfAttributeSpec> Attributes { get; }
    internal DwarfAttributeSpec[] Specs => (DwarfAttributeSpec[])Attributes;

    /// <summary>Index of the attribute in <see cref="Attributes"/>, or -1.</summary>
    public int IndexOf(DwarfAttribute attribute)
    {
        var specs = Specs;
        for (var i = 0; i < specs.Length; i++)
            if (specs[i].Attribute == attribute) return i;
        return -1;
    }

    // Fixed size cached for one (address size, offset size, version) shape, packed into one long so that
    // the parallel index pass can read it without a lock (Go binaries only ever use one shape).
    long _fixedSizeCache = -1;

    internal int FixedSize(int addressSize, bool is64, int version)
    {
        var key = addressSize | (is64 ? 0x100 : 0) | version << 9;
        var cached = Interlocked.Read(ref _fixedSizeCache);
        if (cached >= 0 && (int)(cached >> 32) == key) return (int)(uint)cached - 1;
        var total = 0;
        foreach (var spec in Specs)
        {
            var size = DwarfFormSizes.Fixed(spec.Form, addressSize, is64, version);
            if (size < 0) { total = -1; break; }
            total += size;
        }
        Interlocked.Exchange(ref _fixedSizeCache, (long)key << 32 | (uint)(total + 1));
        return total;
    }
}
