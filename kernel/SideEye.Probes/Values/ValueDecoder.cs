using System.Buffers.Binary;
using System.Text.Json.Nodes;
using System.Text.Unicode;
using SideEye.Binary.Dwarf.Types;

namespace SideEye.Probes.Values;

/// <summary>
/// One decoding pass: turns a value's bytes into JSON, reading what else it needs through a
/// <see cref="BlockReader"/> under <see cref="ValueReadRules"/>, and tracking the depth and the path of
/// (address, type) pairs from the captured value for cycle detection.
/// </summary>
internal sealed class ValueDecoder(ValueFormatter formatter, BlockReader reader)
{
    readonly HashSet<(ulong Address, int Type)> _path = [];

    public BlockReader Reader => reader;

    /// <summary>The captured value itself: depth 0, on the path if it has an address.</summary>
    public JsonNode? Root(GoType type, ReadOnlySpan<byte> bytes, ulong? address)
    {
        if (address is { } a) _path.Add((a, type.DieOffset));
        return Decode(type, bytes, address, 0);
    }

    public JsonNode? Decode(GoType type, ReadOnlySpan<byte> b, ulong? address, int depth)
    {
        var at = address ?? 0;
        switch (type.Name)
        {
            case "time.Time" when type.Resolved.Field("wall") is { } wall && type.Resolved.Field("ext") is { } ext:
                if (b.Length < 16) return ValueMarkers.Unread(at);
                return GoValueText.Time(BlockReader.U64(b, wall.Offset), BlockReader.I64(b, ext.Offset));
            case "time.Duration":
                return b.Length < 8 ? ValueMarkers.Unread(at) : GoValueText.Duration(BlockReader.I64(b, 0));
        }
        var kind = ValueKinds.Of(type);
        var size = type.Size;
        if (kind is not (GoKind.Struct or GoKind.Array) && b.Length < size) return ValueMarkers.Unread(at);
        switch (kind)
        {
            case GoKind.Bool: return b[0] != 0;
            case GoKind.Int8: return (sbyte)b[0];
            case GoKind.Int16: return BinaryPrimitives.ReadInt16LittleEndian(b);
            case GoKind.Int32: return BinaryPrimitives.ReadInt32LittleEndian(b);
            case GoKind.Int or GoKind.Int64: return BinaryPrimitives.ReadInt64LittleEndian(b);
            case GoKind.Uint8: return b[0];
            case GoKind.Uint16: return BinaryPrimitives.ReadUInt16LittleEndian(b);
            case GoKind.Uint32: return BinaryPrimitives.ReadUInt32LittleEndian(b);
            case GoKind.Uint or GoKind.Uint64: return BinaryPrimitives.ReadUInt64LittleEndian(b);
            case GoKind.Uintptr or GoKind.UnsafePointer: return GoValueText.Hex(BinaryPrimitives.ReadUInt64LittleEndian(b));
            case GoKind.Float32: return Number(BinaryPrimitives.ReadSingleLittleEndian(b), 32);
            case GoKind.Float64: return Number(BinaryPrimitives.ReadDoubleLittleEndian(b), 64);
            case GoKind.Complex64:
                return GoValueText.Complex(BinaryPrimitives.ReadSingleLittleEndian(b), BinaryPrimitives.ReadSingleLittleEndian(b[4..]), 32);
            case GoKind.Complex128:
                return GoValueText.Complex(BinaryPrimitives.ReadDoubleLittleEndian(b), BinaryPrimitives.ReadDoubleLittleEndian(b[8..]), 64);
            case GoKind.String: return String(BlockReader.U64(b, 0), BlockReader.I64(b, 8));
            case GoKind.Slice: return Slice(type, BlockReader.U64(b, 0), BlockReader.I64(b, 8), depth);
            case GoKind.Array: return Array(type, b, at, depth);
            case GoKind.Struct: return Struct(type, b, at, depth);
            case GoKind.Pointer:
                var pointer = BlockReader.U64(b, 0);
                if (pointer == 0) return null;
                return type.Elem is { Size: >= 0 } pointee ? Follow(pointee, pointer, depth + 1) : GoValueText.Hex(pointer);
            case GoKind.Interface: return Interface(type, b, at, depth);
            case GoKind.Map: return Map(type, BlockReader.U64(b, 0), depth);
            case GoKind.Chan: return Chan(type, BlockReader.U64(b, 0), depth);
            case GoKind.Func: return Func(BlockReader.U64(b, 0));
            default: return new JsonObject { ["$unsupported"] = type.Name };
        }
    }

    /// <summary>A Go float as JSON: a number in strconv's shortest text, or "NaN", "+Inf", "-Inf".</summary>
    static JsonNode Number(double value, int bits) =>
        double.IsFinite(value) ? JsonNode.Parse(GoValueText.Float(value, bits))! : JsonValue.Create(GoValueText.Float(value, bits));

    /// <summary>The value a pointer (or an interface's data word) leads to, at <paramref name="depth"/>.</summary>
    public JsonNode? Follow(GoType pointee, ulong address, int depth)
    {
        var key = (address, pointee.DieOffset);
        if (_path.Contains(key)) return ValueMarkers.Cycle(address);
        if (depth > formatter.Limits.PointerDepth) return ValueMarkers.Depth(address);
        if (reader.Read(address, pointee.Size) is not { } bytes) return ValueMarkers.Unread(address);
        _path.Add(key);
        try { return Decode(pointee, bytes, address, depth); }
        finally { _path.Remove(key); }
    }

    JsonNode? String(ulong data, long length)
    {
        if (length <= 0) return "";
        var n = ValueReadRules.StringByteCount(length, formatter.Limits);
        if (data == 0 || reader.Read(data, n) is not { } bytes) return ValueMarkers.Unread(data);
        var text = GoValueText.Utf8(bytes);
        return n < length ? new JsonObject { ["$str"] = text, ["$len"] = length } : text;
    }

    JsonNode? Slice(GoType type, ulong data, long length, int depth)
    {
        if (data == 0) return null;
        var elem = type.Elem ?? throw new SideEyeException($"DWARF slice type {type.Name} has no element type");
        var n = ValueReadRules.SliceElementCount(length, elem.Size, formatter.Limits);
        if (reader.Read(data, n * Math.Max(elem.Size, 0)) is not { } bytes) return ValueMarkers.Unread(data);
        return Sequence(elem, bytes, data, n, length, depth);
    }

    JsonNode? Array(GoType type, ReadOnlySpan<byte> b, ulong address, int depth)
    {
        var elem = type.Elem ?? throw new SideEyeException($"DWARF array type {type.Name} has no element type");
        var count = type.Resolved.Count ?? 0;
        // Elements beyond the bytes in hand (a value larger than one block) are cut.
        var available = elem.Size <= 0 ? count : Math.Min(count, b.Length / elem.Size);
        return Sequence(elem, b, address, (int)Math.Min(available, int.MaxValue), count, depth);
    }

    /// <summary>The first <paramref name="n"/> of <paramref name="total"/> elements; bytes as text when UTF-8.</summary>
    JsonNode? Sequence(GoType elem, ReadOnlySpan<byte> b, ulong address, int n, long total, int depth)
    {
        if (ValueKinds.IsByte(elem))
        {
            var bytes = b[..n];
            JsonObject cut;
            if (GoValueText.IsText(bytes))
            {
                if (n == total) return GoValueText.Utf8(bytes);
                cut = new JsonObject { ["$str"] = GoValueText.Utf8(bytes) };
            }
            else
            {
                cut = new JsonObject { ["$base64"] = Convert.ToBase64String(bytes) };
            }
            if (n < total) cut["$len"] = total;
            return cut;
        }
        var items = new JsonArray();
        var size = Math.Max(elem.Size, 0);
        for (var i = 0; i < n; i++)
            items.Add(Decode(elem, b.Slice((int)(i * size), (int)size), address + (ulong)(i * size), depth));
        return n < total ? new JsonObject { ["$items"] = items, ["$len"] = total } : items;
    }

    JsonNode Struct(GoType type, ReadOnlySpan<byte> b, ulong address, int depth)
    {
        var obj = new JsonObject();
        foreach (var field in type.Resolved.Fields)
        {
            if (field.Name == "_") continue; // blank fields can repeat and hold nothing anyone can name
            var size = Math.Max(field.Type.Size, 0);
            var fieldAddress = address + (ulong)field.Offset;
            if (size > 0 && field.Offset >= b.Length)
                obj[field.Name] = ValueMarkers.Unread(fieldAddress);
            else
                obj[field.Name] = Decode(field.Type, b.Slice((int)field.Offset, (int)Math.Min(size, b.Length - field.Offset)), fieldAddress, depth);
        }
        return obj;
    }

    JsonNode? Interface(GoType type, ReadOnlySpan<byte> b, ulong address, int depth)
    {
        var word = BlockReader.U64(b, 0);
        var data = BlockReader.U64(b, 8);
        if (word == 0) return null;
        var typeWord = word;
        if (!formatter.IsEmptyInterface(type))
        {
            var at = word + (ulong)formatter.ItabTypeOffset;
            if (reader.Read(at, ValueReadRules.PointerSize) is not { } itabType) return ValueMarkers.Unread(at);
            typeWord = BlockReader.U64(itabType, 0);
        }
        var dynamic = formatter.RuntimeTypes.Find(typeWord - formatter.LoadBias);
        string? displayName = null;
        if (dynamic is null)
        {
            // No DWARF for the dynamic type: its descriptor still names it; basic kinds and empty structs decode without layout.
            if (formatter.RuntimeTypes.Describe(typeWord - formatter.LoadBias) is not { } described)
                return ValueMarkers.UnknownType(typeWord);
            displayName = described.Name;
            dynamic = BasicType(described);
            if (dynamic is null)
            {
                if (described.Kind == GoKind.Struct && described.Size == 0)
                    return new JsonObject { ["$type"] = displayName, ["value"] = new JsonObject() };
                var unknown = ValueMarkers.UnknownType(typeWord);
                unknown["$typeName"] = displayName;
                return unknown;
            }
        }

        JsonNode? value;
        if (ValueReadRules.IsPointerShaped(dynamic, formatter.RuntimeTypes.Version))
        {
            Span<byte> direct = stackalloc byte[ValueReadRules.PointerSize];
            BinaryPrimitives.WriteUInt64LittleEndian(direct, data);
            value = Decode(dynamic, direct[..(int)Math.Min(dynamic.Size, ValueReadRules.PointerSize)], address + 8, depth);
        }
        else
        {
            value = Follow(dynamic, data, depth + 1);
        }
        var result = new JsonObject { ["$type"] = displayName ?? GoTypeNames.Display(dynamic.Name), ["value"] = value };
        if (ErrorMessageField(dynamic.Name) is { } field && value is JsonObject fields && fields[field] is { } message)
            result["$error"] = message.DeepClone();
        if (type.Name == "context.Context") result["$context"] = ContextChain.Values(result);
        return result;
    }

    /// <summary>The DWARF base type of a descriptor's basic kind (bool, numbers, string), which has the same layout.</summary>
    GoType? BasicType(RuntimeTypeDescriptor described)
    {
        var name = described.Kind switch
        {
            GoKind.Bool => "bool",
            GoKind.Int => "int",
            GoKind.Int8 => "int8",
            GoKind.Int16 => "int16",
            GoKind.Int32 => "int32",
            GoKind.Int64 => "int64",
            GoKind.Uint => "uint",
            GoKind.Uint8 => "uint8",
            GoKind.Uint16 => "uint16",
            GoKind.Uint32 => "uint32",
            GoKind.Uint64 => "uint64",
            GoKind.Uintptr => "uintptr",
            GoKind.Float32 => "float32",
            GoKind.Float64 => "float64",
            GoKind.Complex64 => "complex64",
            GoKind.Complex128 => "complex128",
            GoKind.String => "string",
            _ => null,
        };
        return name is null ? null : formatter.RuntimeTypes.Dwarf.FindType(name);
    }

    /// <summary>Errors whose message is a field, readable without running Error().</summary>
    static string? ErrorMessageField(string dynamicType) => dynamicType switch
    {
        "*errors.errorString" => "s",
        "*fmt.wrapError" or "*fmt.wrapErrors" => "msg",
        _ => null,
    };

    /// <summary>The map's slots as read, or null when its header could not be read.</summary>
    public MapContents? MapContents(GoType type, ulong header) =>
        SwissMapReader.Handles(type) ? SwissMapReader.Read(type, header, reader, formatter.Limits)
        : ClassicMapReader.Read(type, header, reader, formatter.Limits, formatter.ClassicMapConstants);

    JsonNode? Map(GoType type, ulong header, int depth)
    {
        if (header == 0) return null;
        if (MapContents(type, header) is not { } contents) return ValueMarkers.Unread(header);
        var keyType = type.Key ?? throw new SideEyeException($"DWARF map type {type.Name} has no key type");
        var valueType = type.Elem ?? throw new SideEyeException($"DWARF map type {type.Name} has no element type");
        var entries = contents.Slots.Select(s => (
                Key: s.Key is null ? ValueMarkers.Unread(s.KeyAddress) : Decode(keyType, s.Key, s.KeyAddress, depth),
                Value: s.Value is null ? ValueMarkers.Unread(s.ValueAddress) : Decode(valueType, s.Value, s.ValueAddress, depth)))
            .ToList();
        JsonNode shown;
        if (MapKeys.AreText(keyType))
        {
            var obj = new JsonObject();
            foreach (var (key, value) in entries.OrderBy(e => e.Key, MapKeys.Order))
                obj[MapKeys.Text(key)] = value;
            shown = obj;
        }
        else
        {
            var list = new JsonArray();
            foreach (var (key, value) in entries.Select(e => (Text: e.Key?.ToJsonString() ?? "null", e.Key, e.Value)).OrderBy(e => e.Text, StringComparer.Ordinal)
                         .Select(e => (e.Key, e.Value)))
                list.Add(new JsonObject { ["key"] = key, ["value"] = value });
            shown = list;
        }
        if (entries.Count >= contents.Count && contents.Unread is null) return shown;
        var cut = new JsonObject { ["$entries"] = shown, ["$len"] = contents.Count };
        if (contents.Unread is { } unread) cut["$unread"] = GoValueText.Hex(unread);
        return cut;
    }

    JsonNode? Chan(GoType type, ulong header, int depth)
    {
        if (header == 0) return null;
        var hchan = RuntimeStructs.Pointee(type);
        if (reader.Read(header, hchan.Size) is not { } h) return ValueMarkers.Unread(header);
        var qcount = (long)BlockReader.U64(h, RuntimeStructs.Field(hchan, "qcount").Offset);
        var capacity = (long)BlockReader.U64(h, RuntimeStructs.Field(hchan, "dataqsiz").Offset);
        var buffer = BlockReader.U64(h, RuntimeStructs.Field(hchan, "buf").Offset);
        var closed = BinaryPrimitives.ReadUInt32LittleEndian(h.AsSpan((int)RuntimeStructs.Field(hchan, "closed").Offset)) != 0;
        var receiveIndex = (long)BlockReader.U64(h, RuntimeStructs.Field(hchan, "recvx").Offset);
        var elem = type.Elem ?? throw new SideEyeException($"DWARF channel type {type.Name} has no element type");
        var size = Math.Max(elem.Size, 0);

        var n = ValueReadRules.SliceElementCount(capacity, size, formatter.Limits);
        var block = n == 0 ? [] : reader.Read(buffer, n * size);
        var items = new JsonArray();
        var complete = block is not null;
        for (var i = 0L; i < qcount && complete; i++)
        {
            var index = capacity == 0 ? 0 : (receiveIndex + i) % capacity;
            if (index >= n) { complete = false; break; }
            items.Add(Decode(elem, block.AsSpan((int)(index * size), (int)size), buffer + (ulong)(index * size), depth));
        }
        JsonNode itemsNode = complete ? items : new JsonObject { ["$items"] = items, ["$len"] = qcount };
        if (block is null) itemsNode["$unread"] = GoValueText.Hex(buffer);
        return new JsonObject
        {
            ["$chan"] = GoTypeNames.Display(type.Name),
            ["len"] = qcount,
            ["cap"] = capacity,
            ["closed"] = closed,
            ["items"] = itemsNode,
        };
    }

    JsonNode? Func(ulong funcval)
    {
        if (funcval == 0) return null;
        if (reader.Read(funcval, ValueReadRules.PointerSize) is not { } code) return ValueMarkers.Unread(funcval);
        var pc = BlockReader.U64(code, 0);
        return new JsonObject { ["$func"] = formatter.FunctionName(pc - formatter.LoadBias) ?? GoValueText.Hex(pc) };
    }
}
