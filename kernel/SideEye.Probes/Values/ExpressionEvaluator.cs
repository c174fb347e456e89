using System.Buffers.Binary;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using SideEye.Binary.Dwarf.Types;
using SideEye.GoRuntime.Memory;
using SideEye.Probes.Specs;

namespace SideEye.Probes.Values;

/// <summary>
/// Evaluates a resolved capture expression (fields, promoted fields, *p, constant indexes into strings, arrays,
/// slices and maps, len, cap) from its root variable's bytes, reading memory only under
/// <see cref="ValueReadRules"/>: an index must fall in the elements a capture reads, a map key among the entries
/// it reads. Derefs along the way do not count towards the pointer depth: the expression's value is depth 0.
/// </summary>
public sealed class ExpressionEvaluator(ValueFormatter formatter)
{
    /// <summary>A parameter or local: its bytes as located (registers or stack), and its address if it has one.</summary>
    public CapturedValueJson Evaluate(ResolvedCapture capture, ReadOnlySpan<byte> rootValue, ulong? rootAddress, IMemoryReader memory)
    {
        var local = capture.Local ?? throw new ArgumentException($"{capture.Text} starts at a package variable: use {nameof(EvaluateGlobal)}");
        var type = local.TypeOffset is { } t ? formatter.RuntimeTypes.Dwarf.Types.TypeAt(t) : throw new ArgumentException($"{local.Name} has no type");
        return Run(capture, new Place(type, rootValue.ToArray(), rootAddress), memory);
    }

    /// <summary>An expression that starts at a package variable, read at its link address plus the formatter's load bias.</summary>
    public CapturedValueJson EvaluateGlobal(ResolvedCapture capture, IMemoryReader memory)
    {
        var global = capture.Global ?? throw new ArgumentException($"{capture.Text} does not start at a package variable");
        var type = global.Type ?? throw new ArgumentException($"{global.Name} has no type");
        var address = global.Address + formatter.LoadBias;
        if (new BlockReader(memory).Read(address, type.Size) is not { } bytes)
            return CapturedValueJson.NotAvailable($"memory of {global.Name} at {GoValueText.Hex(address)} not available");
        return Run(capture, new Place(type, bytes, address), memory);
    }

    CapturedValueJson Run(ResolvedCapture capture, Place root, IMemoryReader memory)
    {
        var run = new Evaluation(formatter, capture, root, new ValueDecoder(formatter, new BlockReader(memory)));
        try
        {
            return CapturedValueJson.Value(run.Result());
        }
        catch (NotAvailableException e)
        {
            return CapturedValueJson.NotAvailable(e.Message);
        }
    }

    /// <summary>Where a value is: its type, its bytes, its address if it has one.</summary>
    sealed record Place(GoType Type, byte[] Bytes, ulong? Address);

    sealed class NotAvailableException(string message) : Exception(message);

    sealed class Evaluation(ValueFormatter formatter, ResolvedCapture capture, Place root, ValueDecoder decoder)
    {
        public string Result()
        {
            if (capture.Expression is BuiltinExpression b) return Builtin(b).ToString(CultureInfo.InvariantCulture);
            var place = Eval(capture.Expression);
            // A fresh decoder: the value is the root of its own JSON (depth 0, its own path).
            var fresh = new ValueDecoder(formatter, decoder.Reader);
            return ValueFormatter.Serialize(fresh.Root(place.Type, place.Bytes, place.Address));
        }

        Place Eval(CaptureExpression e)
        {
            if (IsRoot(e)) return root;
            return e switch
            {
                FieldExpression f => Field(Eval(f.Target), f),
                DerefExpression d => Deref(Eval(d.Target), d.Target),
                IndexExpression i => Index(Eval(i.Target), i),
                TypeAssertExpression a => Assert(Eval(a.Target), a),
                BuiltinExpression b => throw new NotAvailableException($"{b} cannot be used inside an expression"),
                _ => throw new NotAvailableException($"{e} is not a parameter or local of {capture.Function}"),
            };
        }

        bool IsRoot(CaptureExpression e) => capture.Global is { } g ? Qualified(e) == g.Name : e is NameExpression n && n.Name == capture.Local?.Name;

        static string? Qualified(CaptureExpression e) => e switch
        {
            NameExpression n => n.Name,
            FieldExpression f when Qualified(f.Target) is { } q => $"{q}.{f.Field}",
            _ => null,
        };

        Place Deref(Place pointer, CaptureExpression what)
        {
            if (ValueKinds.Of(pointer.Type) != GoKind.Pointer || pointer.Type.Elem is not { } elem)
                throw new NotAvailableException($"{what} is not a pointer");
            var address = BlockReader.U64(pointer.Bytes, 0);
            if (address == 0) throw new NotAvailableException($"nil pointer dereference at {what}");
            return decoder.Reader.Read(address, elem.Size) is { } bytes ? new Place(elem, bytes, address)
                : throw new NotAvailableException($"memory of {what} at {GoValueText.Hex(address)} not available");
        }

        /// <summary>x.(T): only when the interface's first word is T's (its itab, or for interface{} its type descriptor).</summary>
        Place Assert(Place iface, TypeAssertExpression a)
        {
            var assertion = capture.Assertions.TryGetValue(a, out var found) ? found : throw new NotAvailableException($"{a} was not resolved");
            if (iface.Bytes.Length < 2 * ValueReadRules.PointerSize) throw new NotAvailableException($"{a.Target} was not read whole");
            var word = BlockReader.U64(iface.Bytes, 0);
            if (word == 0) throw new NotAvailableException($"{a.Target} is a nil interface");
            if (word != assertion.Word + formatter.LoadBias)
            {
                // An empty interface's word names its type; a non-empty one's names an itab, which the capture did not copy.
                var held = iface.Type.Resolved.Fields is [{ Name: "_type" }, ..]
                    ? formatter.RuntimeTypes.Find(word - formatter.LoadBias) is { } t ? $"it holds a {t.Name}" : $"its type descriptor is at {GoValueText.Hex(word)}"
                    : $"its itab is at {GoValueText.Hex(word)}, not {GoValueText.Hex(assertion.Word + formatter.LoadBias)}";
                throw new NotAvailableException($"{a.Target} holds another type than {assertion.Type.Name} ({held})");
            }
            var data = iface.Bytes.AsSpan(ValueReadRules.PointerSize, ValueReadRules.PointerSize).ToArray();
            var dataAddress = iface.Address is { } at ? at + ValueReadRules.PointerSize : (ulong?)null;
            if (Capture.CapturePathCompiler.IsPointerShaped(assertion.Type)) return new Place(assertion.Type, data, dataAddress);
            var boxed = BlockReader.U64(data, 0);
            return decoder.Reader.Read(boxed, assertion.Type.Size) is { } bytes ? new Place(assertion.Type, bytes, boxed)
                : throw new NotAvailableException($"memory of {a} at {GoValueText.Hex(boxed)} not available");
        }

        Place AutoDeref(Place p, CaptureExpression what) => ValueKinds.Of(p.Type) == GoKind.Pointer ? Deref(p, what) : p;

        Place Field(Place target, FieldExpression f)
        {
            var current = AutoDeref(target, f.Target);
            var path = FieldPath(current.Type, f.Field, 0) ?? throw new NotAvailableException($"{current.Type.Name} has no field {f.Field}");
            // Promoted fields: walk the embedded fields, dereferencing embedded pointers as Go does.
            for (var i = 0; i < path.Count; i++)
            {
                var field = path[i];
                if (field.Offset + Math.Max(field.Type.Size, 0) > current.Bytes.Length)
                    throw new NotAvailableException($"{f} lies beyond the {current.Bytes.Length} bytes read");
                var bytes = current.Bytes.AsSpan((int)field.Offset, (int)Math.Max(field.Type.Size, 0)).ToArray();
                current = new Place(field.Type, bytes, current.Address + (ulong)field.Offset);
                if (i < path.Count - 1) current = AutoDeref(current, f.Target);
            }
            return current;
        }

        static List<GoTypeField>? FieldPath(GoType structType, string name, int nesting)
        {
            var fields = structType.Resolved.Fields;
            if (fields.FirstOrDefault(x => x.Name == name) is { } direct) return [direct];
            if (nesting >= 8) return null;
            foreach (var embedded in fields.Where(x => x.IsEmbedded))
            {
                var inner = ValueKinds.Of(embedded.Type) == GoKind.Pointer && embedded.Type.Elem is { } e ? e : embedded.Type;
                if (ValueKinds.Of(inner) == GoKind.Struct && FieldPath(inner, name, nesting + 1) is { } rest) return [embedded, .. rest];
            }
            return null;
        }

        Place Index(Place target, IndexExpression i)
        {
            var kind = ValueKinds.Of(target.Type);
            var limits = formatter.Limits;
            switch (kind)
            {
                case GoKind.String:
                {
                    var (data, length) = (BlockReader.U64(target.Bytes, 0), BlockReader.I64(target.Bytes, 8));
                    var index = CheckIndex(i, length);
                    var n = ValueReadRules.StringByteCount(length, limits);
                    if (index >= n) throw new NotAvailableException($"index {index} of {i.Target} lies beyond the {n} bytes read of {length}");
                    var bytes = decoder.Reader.Read(data, n) ?? throw Unreadable(i.Target, data);
                    var byteType = formatter.RuntimeTypes.Dwarf.FindType("uint8") ?? throw new NotAvailableException("DWARF has no uint8");
                    return new Place(byteType, [bytes[index]], data + (ulong)index);
                }
                case GoKind.Slice:
                {
                    var elem = target.Type.Elem!;
                    var (data, length) = (BlockReader.U64(target.Bytes, 0), BlockReader.I64(target.Bytes, 8));
                    var index = CheckIndex(i, length);
                    var n = ValueReadRules.SliceElementCount(length, elem.Size, limits);
                    if (index >= n) throw new NotAvailableException($"index {index} of {i.Target} lies beyond the {n} elements read of {length}");
                    var size = Math.Max(elem.Size, 0);
                    var bytes = decoder.Reader.Read(data, n * size) ?? throw Unreadable(i.Target, data);
                    return new Place(elem, bytes.AsSpan((int)(index * size), (int)size).ToArray(), data + (ulong)(index * size));
                }
                case GoKind.Array:
                {
                    var elem = target.Type.Elem!;
                    var index = CheckIndex(i, target.Type.Resolved.Count ?? 0);
                    var size = Math.Max(elem.Size, 0);
                    if ((index + 1) * size > target.Bytes.Length) throw new NotAvailableException($"element {index} of {i.Target} lies beyond the {target.Bytes.Length} bytes read");
                    return new Place(elem, target.Bytes.AsSpan((int)(index * size), (int)size).ToArray(), target.Address + (ulong)(index * size));
                }
                case GoKind.Map:
                    return MapIndex(target, i);
                default:
                    throw new NotAvailableException($"cannot index {i.Target} of type {target.Type.Name}");
            }
        }

        static long CheckIndex(IndexExpression i, long length)
        {
            var index = i.Key is long n ? n : throw new NotAvailableException($"{i.Target} is indexed by an integer");
            return index < length ? index : throw new NotAvailableException($"index {index} out of range [0:{length}] of {i.Target}");
        }

        Place MapIndex(Place target, IndexExpression i)
        {
            var header = BlockReader.U64(target.Bytes, 0);
            var key = i.Key is string s ? $"\"{s}\"" : Convert.ToString(i.Key, CultureInfo.InvariantCulture);
            if (header == 0) throw new NotAvailableException($"key {key} not in {i.Target}, a nil map");
            var contents = decoder.MapContents(target.Type, header) ?? throw Unreadable(i.Target, header);
            var keyType = target.Type.Key!;
            var valueType = target.Type.Elem!;
            foreach (var slot in contents.Slots)
            {
                if (slot.Key is null || !KeyEquals(decoder.Decode(keyType, slot.Key, slot.KeyAddress, 0), i.Key)) continue;
                return slot.Value is { } value ? new Place(valueType, value, slot.ValueAddress) : throw Unreadable(i.Target, slot.ValueAddress);
            }
            if (contents.Slots.Count < contents.Count)
                throw new NotAvailableException($"key {key} not among the {contents.Slots.Count} entries read of {contents.Count} in {i.Target}");
            throw new NotAvailableException($"key {key} not in {i.Target} ({contents.Count} entries)");
        }

        static bool KeyEquals(JsonNode? decoded, object key) => (decoded, key) switch
        {
            (JsonValue v, string s) when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>() == s,
            (JsonValue v, long n) when v.GetValueKind() == JsonValueKind.Number => decimal.TryParse(v.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && d == n,
            _ => false,
        };

        long Builtin(BuiltinExpression b)
        {
            var place = Eval(b.Argument);
            if (ValueKinds.Of(place.Type) == GoKind.Pointer) place = Deref(place, b.Argument); // len(p) of *[N]T
            var cap = b.Function == "cap";
            switch (ValueKinds.Of(place.Type))
            {
                case GoKind.String: return BlockReader.I64(place.Bytes, 8);
                case GoKind.Slice: return BlockReader.I64(place.Bytes, cap ? 16 : 8);
                case GoKind.Array: return place.Type.Resolved.Count ?? 0;
                case GoKind.Map:
                    var header = BlockReader.U64(place.Bytes, 0);
                    if (header == 0) return 0;
                    var count = SwissMapReader.Handles(place.Type) ? SwissMapReader.Count(place.Type, header, decoder.Reader)
                        : ClassicMapReader.Count(place.Type, header, decoder.Reader);
                    return count ?? throw Unreadable(b.Argument, header);
                case GoKind.Chan:
                    var hchanAddress = BlockReader.U64(place.Bytes, 0);
                    if (hchanAddress == 0) return 0;
                    var hchan = RuntimeStructs.Pointee(place.Type);
                    var h = decoder.Reader.Read(hchanAddress, hchan.Size) ?? throw Unreadable(b.Argument, hchanAddress);
                    return BinaryPrimitives.ReadInt64LittleEndian(h.AsSpan((int)RuntimeStructs.Field(hchan, cap ? "dataqsiz" : "qcount").Offset));
                default:
                    throw new NotAvailableException($"{b} does not apply to type {place.Type.Name}");
            }
        }

        static NotAvailableException Unreadable(CaptureExpression what, ulong address) =>
            new($"memory of {what} at {GoValueText.Hex(address)} not available");
    }
}
