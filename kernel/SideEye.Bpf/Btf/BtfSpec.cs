using System.Buffers.Binary;
using System.Text;

namespace SideEye.Bpf.Btf;

/// <summary>
/// Reads raw BTF (the format of /sys/kernel/btf/vmlinux): a header, a type section and a string section. Types are
/// indexed lazily: the first lookup records where each type record starts, and the first name lookup builds a name index.
/// </summary>
public sealed class BtfSpec
{
    const ushort Magic = 0xeB9F;
    const int TypeHeaderSize = 12;

    readonly byte[] _data;
    readonly int _typeStart, _typeEnd, _strStart, _strEnd;
    uint[]? _offsets; // _offsets[id] = byte offset of type id's record; index 0 (void) unused
    Dictionary<string, List<uint>>? _byName;
    readonly Lock _lock = new();

    static readonly Lazy<BtfSpec> VmlinuxLazy = new(() => Open("/sys/kernel/btf/vmlinux"));

    /// <summary>The running kernel's BTF; needs CONFIG_DEBUG_INFO_BTF (Linux 5.4+).</summary>
    public static BtfSpec Vmlinux => VmlinuxLazy.Value;

    public static BtfSpec Open(string path)
    {
        byte[] data;
        try { data = File.ReadAllBytes(path); }
        catch (IOException e) { throw new KernelFeatureException("vmlinux BTF", "5.4", "open", 0, $"cannot read {path}: {e.Message}", e); }
        return Parse(data, path);
    }

    public static BtfSpec Parse(byte[] data, string origin = "BTF") => new(data, origin);

    BtfSpec(byte[] data, string origin)
    {
        _data = data;
        if (data.Length < 24 || BinaryPrimitives.ReadUInt16LittleEndian(data) != Magic)
            throw new BpfException("BTF", 0, $"{origin}: not little-endian BTF (bad magic)");
        var hdrLen = (int)U32(4);
        var typeOff = (int)U32(8); var typeLen = (int)U32(12);
        var strOff = (int)U32(16); var strLen = (int)U32(20);
        _typeStart = hdrLen + typeOff; _typeEnd = _typeStart + typeLen;
        _strStart = hdrLen + strOff; _strEnd = _strStart + strLen;
        if (_typeEnd > data.Length || _strEnd > data.Length)
            throw new BpfException("BTF", 0, $"{origin}: sections run past the end ({data.Length} bytes)");
    }

    uint U32(int at) => BinaryPrimitives.ReadUInt32LittleEndian(_data.AsSpan(at));

    /// <summary>Number of type ids, including void (id 0).</summary>
    public int TypeCount => Offsets().Length;

    uint[] Offsets()
    {
        if (_offsets is not null) return _offsets;
        lock (_lock)
        {
            if (_offsets is not null) return _offsets;
            var list = new List<uint> { 0 };
            for (var at = _typeStart; at < _typeEnd;)
            {
                list.Add((uint)at);
                at += RecordSize(at);
            }
            return _offsets = list.ToArray();
        }
    }

    int RecordSize(int at)
    {
        var info = U32(at + 4);
        var vlen = (int)(info & 0xffff);
        var extra = (BtfKind)((info >> 24) & 0x1f) switch
        {
            BtfKind.Int => 4,
            BtfKind.Array => 12,
            BtfKind.Struct or BtfKind.Union => 12 * vlen,
            BtfKind.Enum => 8 * vlen,
            BtfKind.FuncProto => 8 * vlen,
            BtfKind.Var => 4,
            BtfKind.Datasec => 12 * vlen,
            BtfKind.DeclTag => 4,
            BtfKind.Enum64 => 12 * vlen,
            BtfKind.Ptr or BtfKind.Fwd or BtfKind.Typedef or BtfKind.Volatile or BtfKind.Const or BtfKind.Restrict
                or BtfKind.Func or BtfKind.Float or BtfKind.TypeTag => 0,
            var k => throw new BpfException("BTF", 0, $"unknown BTF kind {(int)k} at type section offset {at - _typeStart}"),
        };
        return TypeHeaderSize + extra;
    }

    string Str(uint off)
    {
        var start = _strStart + (int)off;
        if (off == 0 || start >= _strEnd) return "";
        var end = Array.IndexOf(_data, (byte)0, start, _strEnd - start);
        return Encoding.ASCII.GetString(_data, start, (end < 0 ? _strEnd : end) - start);
    }

    public BtfType Type(uint id)
    {
        if (id == 0) return new BtfType(0, BtfKind.Void, "", 0, 0, false);
        var offsets = Offsets();
        if (id >= offsets.Length) throw new ArgumentOutOfRangeException(nameof(id), $"BTF has {offsets.Length} types, no id {id}");
        var at = (int)offsets[id];
        var info = U32(at + 4);
        return new BtfType(id, (BtfKind)((info >> 24) & 0x1f), Str(U32(at)), U32(at + 8), (int)(info & 0xffff), (info >> 31) != 0);
    }

    /// <summary>Finds a named type of the given kind (e.g. FUNC bpf_iter_task, STRUCT task_struct).</summary>
    public bool TryFindType(string name, BtfKind kind, out uint id)
    {
        var byName = NameIndex();
        if (byName.TryGetValue(name, out var ids))
            foreach (var candidate in ids)
                if (Kind(candidate) == kind) { id = candidate; return true; }
        id = 0;
        return false;
    }

    public uint FindType(string name, BtfKind kind) =>
        TryFindType(name, kind, out var id) ? id : throw new BpfException("BTF", 0, $"no {kind} named '{name}' in BTF");

    BtfKind Kind(uint id) => (BtfKind)((U32((int)Offsets()[id] + 4) >> 24) & 0x1f);

    Dictionary<string, List<uint>> NameIndex()
    {
        if (_byName is not null) return _byName;
        var offsets = Offsets();
        lock (_lock)
        {
            if (_byName is not null) return _byName;
            var index = new Dictionary<string, List<uint>>(StringComparer.Ordinal);
            for (uint id = 1; id < offsets.Length; id++)
            {
                var nameOff = U32((int)offsets[id]);
                if (nameOff == 0) continue;
                var name = Str(nameOff);
                if (!index.TryGetValue(name, out var list)) index[name] = list = new List<uint>(1);
                list.Add(id);
            }
            return _byName = index;
        }
    }

    /// <summary>The members of a STRUCT or UNION, in declaration order (anonymous members have an empty name).</summary>
    public IReadOnlyList<BtfMember> Members(uint id)
    {
        var t = Type(id);
        if (t.Kind is not (BtfKind.Struct or BtfKind.Union)) throw new ArgumentException($"BTF type {id} '{t.Name}' is a {t.Kind}, not a struct or union");
        var at = (int)Offsets()[id] + TypeHeaderSize;
        var result = new BtfMember[t.Vlen];
        for (var i = 0; i < t.Vlen; i++, at += 12)
        {
            var offset = U32(at + 8);
            // With kind_flag set, the top 8 bits hold a bitfield size and the low 24 the bit offset.
            result[i] = t.KindFlag
                ? new BtfMember(Str(U32(at)), U32(at + 4), offset & 0xffffff, offset >> 24)
                : new BtfMember(Str(U32(at)), U32(at + 4), offset, 0);
        }
        return result;
    }

    /// <summary>The enumerators of an ENUM or ENUM64 type, in declaration order.</summary>
    public IReadOnlyList<(string Name, long Value)> EnumValues(uint id)
    {
        var t = Type(id);
        var at = (int)Offsets()[id] + TypeHeaderSize;
        var result = new List<(string, long)>(t.Vlen);
        if (t.Kind == BtfKind.Enum)
            for (var i = 0; i < t.Vlen; i++, at += 8)
                result.Add((Str(U32(at)), t.KindFlag ? (int)U32(at + 4) : U32(at + 4))); // kind_flag = signed
        else if (t.Kind == BtfKind.Enum64)
            for (var i = 0; i < t.Vlen; i++, at += 12)
                result.Add((Str(U32(at)), (long)(((ulong)U32(at + 8) << 32) | U32(at + 4))));
        else
            throw new ArgumentException($"BTF type {id} '{t.Name}' is a {t.Kind}, not an enum");
        return result;
    }

    /// <summary>Follows typedefs and qualifiers (const, volatile, restrict, type tags) to the underlying type.</summary>
    public uint Resolve(uint id)
    {
        for (var hops = 0; hops < 64; hops++)
        {
            var t = Type(id);
            if (t.Kind is not (BtfKind.Typedef or BtfKind.Const or BtfKind.Volatile or BtfKind.Restrict or BtfKind.TypeTag)) return id;
            id = t.SizeOrType;
        }
        throw new BpfException("BTF", 0, $"type {id}: qualifier chain too long");
    }

    /// <summary>
    /// Locates a member by path, "task_struct.pid" or "task_struct.thread.fsbase", looking through anonymous
    /// structs and unions as C does. The first component names a struct or union.
    /// </summary>
    public BtfMember Member(string path)
    {
        var parts = path.Split('.');
        if (parts.Length < 2) throw new ArgumentException($"'{path}' is not type.member", nameof(path));
        uint id = TryFindType(parts[0], BtfKind.Struct, out var s) ? s
            : TryFindType(parts[0], BtfKind.Union, out var u) ? u
            : throw new BpfException("BTF", 0, $"no struct or union named '{parts[0]}' in BTF");
        return Member(id, string.Join('.', parts.Skip(1))) with { Name = path };
    }

    /// <summary>Locates a member path ("a.b.c") inside the struct or union <paramref name="typeId"/>.</summary>
    public BtfMember Member(uint typeId, string memberPath)
    {
        BtfMember? found = null;
        uint baseBits = 0;
        var id = typeId;
        foreach (var name in memberPath.Split('.'))
        {
            id = Resolve(id);
            found = FindMember(id, name, baseBits) ?? throw new BpfException("BTF", 0, $"'{Type(id).Name}' has no member '{name}' (looking up {memberPath} in type {typeId})");
            baseBits = found.BitOffset;
            id = found.TypeId;
        }
        return found! with { Name = memberPath };
    }

    /// <summary>Byte offset of a member path such as "task_struct.pid".</summary>
    public int MemberOffset(string path) => Member(path).ByteOffset;

    BtfMember? FindMember(uint id, string name, uint baseBits)
    {
        var t = Type(id);
        if (t.Kind is not (BtfKind.Struct or BtfKind.Union)) return null;
        foreach (var m in Members(id))
        {
            if (m.Name == name) return m with { BitOffset = baseBits + m.BitOffset };
            if (m.Name.Length == 0 && FindMember(Resolve(m.TypeId), name, baseBits + m.BitOffset) is { } inner) return inner;
        }
        return null;
    }

    /// <summary>Byte size of a type, following typedefs and qualifiers (pointers are 8 bytes on 64-bit kernels).</summary>
    public long SizeOf(uint id)
    {
        var t = Type(Resolve(id));
        return t.Kind switch
        {
            BtfKind.Int or BtfKind.Struct or BtfKind.Union or BtfKind.Enum or BtfKind.Enum64 or BtfKind.Float or BtfKind.Datasec => t.SizeOrType,
            BtfKind.Ptr => 8,
            BtfKind.Array => SizeOf(U32((int)Offsets()[t.Id] + TypeHeaderSize)) * U32((int)Offsets()[t.Id] + TypeHeaderSize + 8),
            _ => throw new ArgumentException($"BTF type {t.Id} '{t.Name}' ({t.Kind}) has no size"),
        };
    }
}
