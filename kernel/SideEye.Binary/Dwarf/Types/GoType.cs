using SideEye.Binary.Dwarf.Expr;
using SideEye.Binary.Dwarf.Info;

namespace SideEye.Binary.Dwarf.Types;

/// <summary>
/// A Go type as described by DWARF, resolved lazily: fields, element, key and underlying types are decoded
/// on first access and cached by the owning <see cref="GoTypeResolver"/>, so self-referencing types
/// (a struct holding a pointer to itself) never recurse forever.
/// Named types that Go writes as DW_TAG_typedef take their layout from the type they name.
/// </summary>
public sealed class GoType
{
    readonly GoTypeResolver _resolver;
    readonly DwarfEntry _entry;
    IReadOnlyList<GoTypeField>? _fields;
    int _align = -1;
    bool _computingAlign;
    long _size = -2;
    GoKind? _kind;

    internal GoType(GoTypeResolver resolver, DwarfEntry entry, string name)
    {
        _resolver = resolver;
        _entry = entry;
        Name = name;
    }

    public string Name { get; }
    /// <summary>The DIE this type came from (offset in .debug_info).</summary>
    public int DieOffset => _entry.Offset;
    public DwarfTag Tag => _entry.Tag;

    /// <summary>For a typedef (a named type, a map, a channel, an interface): the DWARF type it stands for.</summary>
    public GoType? Underlying => Tag == DwarfTag.Typedef ? Ref(DwarfAttribute.Type) : null;

    /// <summary>The layout-bearing type: typedefs followed to the end (bounded, in case of a malformed cycle).</summary>
    public GoType Resolved
    {
        get
        {
            var t = this;
            for (var i = 0; i < 32 && t.Underlying is { } u; i++) t = u;
            return t;
        }
    }

    public GoKind Kind => _kind ??= ComputeKind();

    public long Size
    {
        get
        {
            if (_size != -2) return _size;
            lock (_resolver.Gate)
            {
                if (_size == -2)
                {
                    _size = -1; // in progress: a cycle yields -1 rather than a stack overflow
                    _size = ComputeSize();
                }
                return _size;
            }
        }
    }

    /// <summary>Alignment by Go's rules: the largest field alignment for structs, the element's for arrays, pointer size for reference kinds.</summary>
    public int Align
    {
        get
        {
            if (_align >= 0) return _align;
            lock (_resolver.Gate) // re-entrant: nested types are computed by the same thread
            {
                if (_align >= 0) return _align;
                if (_computingAlign) return 1;
                _computingAlign = true;
                try { return _align = ComputeAlign(); }
                finally { _computingAlign = false; }
            }
        }
    }

    public IReadOnlyList<GoTypeField> Fields => _fields ??= ComputeFields();

    /// <summary>Element type: pointee, slice/array/channel/map element (DW_AT_go_elem or DW_AT_type).</summary>
    public GoType? Elem => Ref(DwarfAttribute.GoElem) ?? Kind switch
    {
        GoKind.Pointer or GoKind.Array => Tag == DwarfTag.Typedef ? Underlying?.Elem : Ref(DwarfAttribute.Type),
        GoKind.Slice or GoKind.Chan or GoKind.Map => Underlying?.Elem,
        _ => null,
    };

    /// <summary>Key type of a map (DW_AT_go_key).</summary>
    public GoType? Key => Ref(DwarfAttribute.GoKey) ?? Underlying?.Key;

    /// <summary>Element count of an array.</summary>
    public long? Count
    {
        get
        {
            var t = Resolved;
            if (t.Tag != DwarfTag.ArrayType) return null;
            foreach (var child in t._entry.Unit.Children(t._entry))
            {
                if (child.Tag != DwarfTag.SubrangeType) continue;
                if (child.Int(DwarfAttribute.Count) is { } n) return n;
                if (child.Int(DwarfAttribute.UpperBound) is { } ub) return ub + 1;
            }
            return null;
        }
    }

    /// <summary>
    /// DW_AT_go_runtime_type as written by the linker: the offset of the runtime type descriptor
    /// (internal/abi.Type) from the start of the types area (moduledata.types, symbol runtime.types).
    /// </summary>
    public ulong? RuntimeTypeOffset =>
        (_entry.Value(DwarfAttribute.GoRuntimeType) is { } v && v.Raw != 0 ? v.Raw : (ulong?)null) ?? Underlying?.RuntimeTypeOffset;

    /// <summary>Link-time address of the runtime type descriptor: runtime.types + <see cref="RuntimeTypeOffset"/> (add the load bias for PIE).</summary>
    public ulong? RuntimeTypeAddress => RuntimeTypeOffset is { } off && _resolver.TypesBase is { } b ? b + off : null;

    public GoTypeField? Field(string name) => Fields.FirstOrDefault(f => f.Name == name);

    GoType? Ref(DwarfAttribute attribute) => _entry.Reference(attribute) is { } off ? _resolver.TypeAt(off) : null;

    GoKind ComputeKind()
    {
        if (_entry.UInt(DwarfAttribute.GoKind) is { } k and > 0 and <= 26) return (GoKind)k;
        switch (Tag)
        {
            case DwarfTag.Typedef: return Underlying?.Kind ?? GoKind.Invalid;
            case DwarfTag.StructType: return GoKind.Struct;
            case DwarfTag.ArrayType: return GoKind.Array;
            case DwarfTag.SubroutineType: return GoKind.Func;
            case DwarfTag.PointerType: return Name == "unsafe.Pointer" || _entry.Value(DwarfAttribute.Type) is null ? GoKind.UnsafePointer : GoKind.Pointer;
            case DwarfTag.BaseType:
                var size = _entry.UInt(DwarfAttribute.ByteSize) ?? 0;
                return _entry.UInt(DwarfAttribute.Encoding) switch
                {
                    0x02 => GoKind.Bool,
                    0x03 => size == 8 ? GoKind.Complex64 : GoKind.Complex128,
                    0x04 => size == 4 ? GoKind.Float32 : GoKind.Float64,
                    0x05 or 0x06 => size switch { 1 => GoKind.Int8, 2 => GoKind.Int16, 4 => GoKind.Int32, _ => Name == "int" ? GoKind.Int : GoKind.Int64 },
                    0x07 or 0x08 => size switch
                    {
                        1 => GoKind.Uint8,
                        2 => GoKind.Uint16,
                        4 => GoKind.Uint32,
                        _ => Name == "uintptr" ? GoKind.Uintptr : Name == "uint" ? GoKind.Uint : GoKind.Uint64
                    },
                    _ => GoKind.Invalid,
                };
            default: return GoKind.Invalid;
        }
    }

    long ComputeSize()
    {
        if (_entry.UInt(DwarfAttribute.ByteSize) is { } size) return (long)Math.Min(size, long.MaxValue);
        switch (Tag)
        {
            case DwarfTag.Typedef: return Underlying?.Size ?? -1;
            case DwarfTag.PointerType or DwarfTag.SubroutineType: return _resolver.PointerSize;
            case DwarfTag.ArrayType:
                var elem = Ref(DwarfAttribute.Type);
                return Count is { } n && elem is { Size: >= 0 } e ? n * e.Size : -1;
            default: return -1;
        }
    }

    int ComputeAlign()
    {
        var ptr = _resolver.PointerSize;
        switch (Kind)
        {
            case GoKind.Pointer or GoKind.UnsafePointer or GoKind.Map or GoKind.Chan or GoKind.Func:
                return ptr;
            case GoKind.Complex128: return 8;
            case GoKind.Complex64: return 4;
            case GoKind.Array:
                return Resolved.Ref(DwarfAttribute.Type)?.Align ?? 1;
        }
        var t = Resolved;
        if (t.Tag is DwarfTag.StructType or DwarfTag.UnionType)
            return t.Fields.Count == 0 ? 1 : t.Fields.Max(f => f.Type.Align);
        if (t.Tag == DwarfTag.ArrayType) return t.Ref(DwarfAttribute.Type)?.Align ?? 1;
        var s = Size;
        return s <= 0 ? 1 : (int)Math.Min(s, ptr);
    }

    IReadOnlyList<GoTypeField> ComputeFields()
    {
        var t = Resolved;
        if (t.Tag is not (DwarfTag.StructType or DwarfTag.UnionType)) return [];
        var list = new List<GoTypeField>();
        foreach (var child in t._entry.Unit.Children(t._entry))
        {
            if (child.Tag != DwarfTag.Member) continue;
            var type = child.Reference(DwarfAttribute.Type) is { } off ? _resolver.TypeAt(off) : null;
            if (type is null) continue;
            long offset = child.Value(DwarfAttribute.DataMemberLocation) is { } loc ? MemberOffset(child, loc) : 0;
            list.Add(new GoTypeField(child.Name ?? "", offset, type, child.Flag(DwarfAttribute.GoEmbeddedField)));
        }
        return list;
    }

    /// <summary>data_member_location: a constant, or (older producers) DW_OP_plus_uconst N.</summary>
    static long MemberOffset(DwarfEntry member, DwarfValue loc)
    {
        if (loc.IsConstant) return member.Int(DwarfAttribute.DataMemberLocation) ?? 0;
        if (loc.IsBlock && member.Block(DwarfAttribute.DataMemberLocation) is { } block)
        {
            // The expression expects the struct's address on the stack: evaluate it against base 0.
            var withBase = new byte[block.Length + 1];
            withBase[0] = (byte)DwarfOp.Lit0;
            block.Span.CopyTo(withBase.AsSpan(1));
            try
            {
                var pieces = DwarfExpression.Evaluate(withBase, new DwarfExpressionContext(), member.Unit.Sections.File);
                return pieces.Count > 0 ? (long)pieces[0].Address : 0;
            }
            catch (DwarfExpressionException e)
            {
                throw new BinaryFormatException(member.Unit.Sections.File, $"data_member_location is not a constant offset: {e.Message}",
                    ".debug_info", member.Offset, e);
            }
        }
        return 0;
    }

    public override string ToString() => $"{Name} size={Size} align={Align} kind={Kind.ToGoString()}";
}
