using SideEye.Binary.Dwarf;
using SideEye.Binary.Dwarf.Types;
using SideEye.GoRuntime;

namespace SideEye.Probes.Specs;

/// <summary>
/// Checks capture expressions against one binary's DWARF: the function exists, each name is one of its parameters
/// or locals or a package variable, each field exists (through pointers, and promoted from embedded structs as
/// in Go), only pointers are dereferenced, only strings, arrays, slices and maps are indexed (with a constant
/// of the key's kind), len/cap apply. Every refusal is a <see cref="CaptureSpecException"/> that says exactly
/// what is wrong and what exists instead.
/// </summary>
public sealed class CaptureResolver
{
    readonly GoBinary _binary;
    readonly DwarfData _dwarf;

    public CaptureResolver(GoBinary binary)
    {
        _binary = binary;
        _dwarf = binary.Dwarf ?? throw new SideEyeException(WithoutDebugInfo(binary)!);
    }

    /// <summary>Why nothing of <paramref name="binary"/> can be captured (no DWARF, and where it was looked for), in one line; null when it can.</summary>
    public static string? WithoutDebugInfo(GoBinary binary) => binary.Dwarf is null ? $"{binary.NoDwarf}; captures need debug info" : null;

    /// <summary>
    /// The function's declaration: its out-of-line body, or for a function that exists only inlined, its abstract
    /// declaration (names and types; where each copy keeps them is <see cref="CaptureSite"/>'s business).
    /// </summary>
    public DwarfFunction Function(string name)
    {
        if (_dwarf.FindFunction(name) is { } own) return own;
        // main.f[...]: the first instantiation declares the names (every instantiation is captured, see Instantiations).
        if (GenericNames.IsGeneric(name) && Instantiations(name).FirstOrDefault() is { } first && _dwarf.FindFunction(first) is { } generic) return generic;
        if (_inlinedOnly.GetValueOrDefault(name) is { } known) return known;
        var origin = CaptureSite.Find(_dwarf, name).Select(s => s.OriginOffset).FirstOrDefault(o => o is not null);
        if (origin is { } offset) return _inlinedOnly[name] = _dwarf.AbstractFunction(offset);
        throw new CaptureSpecException(name, "no such function in " + Path.GetFileName(_binary.Path),
            Suggest(name, _dwarf.Functions.Select(f => f.Name)) is { Length: > 0 } near ? $"did you mean {near}?" : null);
    }

    readonly Dictionary<string, DwarfFunction> _inlinedOnly = new(StringComparer.Ordinal);

    /// <summary>The DWARF names a function stands for: itself, or for main.f[...] each instantiation's (by shape).</summary>
    public IReadOnlyList<string> Instantiations(string name)
    {
        if (!GenericNames.IsGeneric(name)) return [name];
        return _dwarf.Functions.Select(f => f.Name).Where(n => n.Contains('[') && GenericNames.Normalize(n) == name).Distinct().Order(StringComparer.Ordinal).ToArray();
    }

    public ResolvedCapture Resolve(string function, string text)
    {
        var fn = Function(function);
        CaptureExpression expression;
        try { expression = CaptureExpression.Parse(text); }
        catch (CaptureSpecException e) { throw new CaptureSpecException($"{function}: {e.Where}", e.Why); }
        var where = $"{function}: \"{text}\"";
        DwarfVariable? local = null;
        DwarfGlobalVariable? global = null;
        _assertions = [];
        var type = Type(expression, fn, where, ref local, ref global);
        return new ResolvedCapture(function, text, expression, type, local, global) { Assertions = _assertions };
    }

    GoType? Type(CaptureExpression e, DwarfFunction fn, string where, ref DwarfVariable? local, ref DwarfGlobalVariable? global)
    {
        switch (e)
        {
            case NameExpression n:
                local = Variable(fn, n.Name) ?? throw UnknownName(fn, n.Name, where);
                return local.TypeOffset is { } t ? _dwarf.Types.TypeAt(t) : throw new CaptureSpecException(where, $"{n.Name} has no type in DWARF");
            case FieldExpression f when Qualified(f) is { } segments && Variable(fn, segments[0]) is null:
                return Global(segments, fn, where, ref global);
            case FieldExpression f:
                return Field(Type(f.Target, fn, where, ref local, ref global)!, f, where);
            case DerefExpression d:
                var pointer = Type(d.Target, fn, where, ref local, ref global)!;
                return KindOf(pointer) == GoKind.Pointer && pointer.Elem is { } pointee ? pointee
                    : throw new CaptureSpecException(where, $"cannot dereference {d.Target}: its type {pointer.Name} is not a pointer");
            case IndexExpression i:
                return Index(Type(i.Target, fn, where, ref local, ref global)!, i, where);
            case TypeAssertExpression a:
                return Asserted(Type(a.Target, fn, where, ref local, ref global)!, a, where);
            case BuiltinExpression b:
                var of = Type(b.Argument, fn, where, ref local, ref global)!;
                var kind = KindOf(Deref(of));
                var ok = b.Function == "len" ? kind is GoKind.String or GoKind.Slice or GoKind.Array or GoKind.Map or GoKind.Chan
                                             : kind is GoKind.Slice or GoKind.Array or GoKind.Chan;
                return ok ? null : throw new CaptureSpecException(where, $"{b.Function}({b.Argument}) does not apply to type {of.Name}");
            default:
                throw new ArgumentException($"unknown expression node {e.GetType().Name}");
        }
    }

    Dictionary<TypeAssertExpression, TypeAssertion> _assertions = [];

    /// <summary>
    /// x.(T): x must be an interface; T is found in DWARF by its name, or by the end of it after a '/' (or, for a bare name, a '.'): one type only;
    /// and the word an interface holding a T starts with must be known from the symbol table (the itab the compiler
    /// made for T and x's interface type, or T's type descriptor for interface{}), so the decoder can check it.
    /// </summary>
    GoType Asserted(GoType iface, TypeAssertExpression a, string where)
    {
        if (Values.ValueKinds.Of(iface) != GoKind.Interface)
            throw new CaptureSpecException(where, $"{a.Target} is not an interface (its type is {iface.Name}): only an interface's value can be asserted");
        var stars = a.TypeName.TakeWhile(c => c == '*').Count();
        var bare = a.TypeName[stars..];
        var prefix = new string('*', stars);
        var candidates = _dwarf.FindType(a.TypeName) is { } exact ? [exact.Name]
            : _dwarf.TypeNames.Where(n => n.StartsWith(prefix, StringComparison.Ordinal) && n.Length > stars && n[stars] != '*'
                && (n[stars..].EndsWith("/" + bare, StringComparison.Ordinal) || !bare.Contains('.') && n[stars..].EndsWith("." + bare, StringComparison.Ordinal))).Distinct().ToList();
        if (candidates.Count == 0)
            throw new CaptureSpecException(where, $"no type {a.TypeName} in the binary's DWARF",
                Suggest(bare, _dwarf.TypeNames.Where(n => n.StartsWith(prefix, StringComparison.Ordinal)).Select(n => n[stars..])) is { Length: > 0 } near ? $"did you mean {near}?" : null);
        if (candidates.Count > 1) throw new CaptureSpecException(where, $"{a.TypeName} could be {string.Join(" or ", candidates)}: write the whole name");
        var asserted = _dwarf.FindType(candidates[0])!;
        // interface{} starts with the type descriptor, which DWARF names; any other interface with the itab, which only
        // the symbol table names (go:itab.T,I, go.itab. before Go 1.20).
        if (iface.Resolved.Fields is [{ Name: "_type" }, ..])
        {
            _assertions[a] = new TypeAssertion(asserted, asserted.RuntimeTypeAddress
                ?? throw new CaptureSpecException(where, $"cannot check that {a.Target} holds a {asserted.Name}: DWARF does not say where its type descriptor is"));
            return asserted;
        }
        var wanted = new[] { $"go:itab.{asserted.Name},{iface.Name}", $"go.itab.{asserted.Name},{iface.Name}" };
        var symbol = _binary.Symbols.FirstOrDefault(s => wanted.Contains(s.Name));
        if (symbol.Name is null)
            throw new CaptureSpecException(where, $"cannot check that {a.Target} holds a {asserted.Name}: the symbol table has no {wanted[0]} (a stripped symbol table, or a {asserted.Name} never converted to {iface.Name} where the compiler can see it)");
        _assertions[a] = new TypeAssertion(asserted, symbol.Value);
        return asserted;
    }

    /// <summary>A parameter first, then a local (the first one declared: shadowed names in inner blocks come later).</summary>
    static DwarfVariable? Variable(DwarfFunction fn, string name) =>
        fn.Variables.FirstOrDefault(v => v.IsParameter && v.Name == name) ?? fn.Variables.FirstOrDefault(v => v.Name == name);

    /// <summary>The leading names of a chain of field accesses, a.b.c → [a, b, c], when it starts with a name.</summary>
    static List<string>? Qualified(CaptureExpression e)
    {
        var names = new List<string>();
        while (e is FieldExpression f) { names.Insert(0, f.Field); e = f.Target; }
        if (e is not NameExpression n) return null;
        names.Insert(0, n.Name);
        return names;
    }

    /// <summary>pkg.Var[.field…]: the shortest prefix that names a package variable (package paths may hold dots, names never do).</summary>
    GoType? Global(List<string> segments, DwarfFunction fn, string where, ref DwarfGlobalVariable? global)
    {
        for (var k = 2; k <= segments.Count; k++)
        {
            var name = string.Join('.', segments.Take(k));
            if (_dwarf.FindVariable(name) is not { } g) continue;
            global = g;
            var type = g.Type ?? throw new CaptureSpecException(where, $"{name} has no type in DWARF");
            foreach (var field in segments.Skip(k))
                type = Field(type, new FieldExpression(new NameExpression(name), field), where);
            return type;
        }
        var package = segments[0];
        var candidates = _dwarf.VariableNames.Where(v => v.StartsWith(package + ".", StringComparison.Ordinal)).ToList();
        if (candidates.Count == 0 && !_dwarf.Functions.Any(f => f.Name.StartsWith(package + ".", StringComparison.Ordinal)))
            throw UnknownName(fn, package, where);
        var wanted = $"{package}.{segments[1]}";
        throw new CaptureSpecException(where, $"no package variable {wanted}",
            Suggest(wanted, candidates) is { Length: > 0 } near ? $"did you mean {near}?" : null);
    }

    CaptureSpecException UnknownName(DwarfFunction fn, string name, string where)
    {
        var names = fn.Variables.Select(v => v.Name).Where(n => n.Length > 0 && !n.StartsWith('~')).Distinct().ToList();
        return new CaptureSpecException(where, $"{name} is not a parameter or local of {fn.Name}, nor a package",
            names.Count == 0 ? "it has none" : $"it has: {string.Join(", ", names)}");
    }

    /// <summary>
    /// The Go kind: maps and channels are typedefs of runtime pointers in DWARF, so theirs is on the typedef
    /// (DW_AT_go_kind), everything else's on the type it resolves to.
    /// </summary>
    static GoKind KindOf(GoType t) => t.Kind is GoKind.Map or GoKind.Chan ? t.Kind : t.Resolved.Kind;

    static GoType Deref(GoType t) => KindOf(t) == GoKind.Pointer && t.Elem is { } e ? e : t;

    static GoType Field(GoType type, FieldExpression f, string where)
    {
        var target = Deref(type);
        if (KindOf(target) != GoKind.Struct)
            throw new CaptureSpecException(where, $"{f.Target}.{f.Field}: type {type.Name} is not a struct (or a pointer to one), it has no fields");
        if (Promoted(target, f.Field, 0) is { } found) return found;
        var fields = target.Resolved.Fields.Select(x => x.Name).ToList();
        throw new CaptureSpecException(where, $"type {target.Name} has no field {f.Field}",
            Suggest(f.Field, fields) is { Length: > 0 } near ? $"did you mean {near}? fields: {string.Join(", ", fields)}" : $"fields: {string.Join(", ", fields)}");
    }

    /// <summary>A field of the struct or, as Go promotes them, of an embedded struct (shallowest first).</summary>
    static GoType? Promoted(GoType structType, string name, int depth)
    {
        var fields = structType.Resolved.Fields;
        if (fields.FirstOrDefault(x => x.Name == name) is { } direct) return direct.Type;
        if (depth >= 8) return null;
        foreach (var embedded in fields.Where(x => x.IsEmbedded))
            if (KindOf(Deref(embedded.Type)) == GoKind.Struct && Promoted(Deref(embedded.Type), name, depth + 1) is { } found) return found;
        return null;
    }

    GoType Index(GoType type, IndexExpression i, string where)
    {
        var kind = KindOf(type);
        var t = kind is GoKind.Map ? type : type.Resolved;
        switch (kind)
        {
            case GoKind.Slice or GoKind.Array or GoKind.String:
                if (i.Key is not long n || n < 0)
                    throw new CaptureSpecException(where, $"{i.Target} (type {type.Name}) is indexed by a non-negative integer, not {i.Key switch { string s => $"\"{s}\"", var k => k }}");
                if (kind == GoKind.Array && t.Count is { } count && n >= count)
                    throw new CaptureSpecException(where, $"index {n} is out of range for {i.Target} (type {type.Name}, {count} elements)");
                return kind == GoKind.String ? ByteType(type) : t.Elem ?? throw new CaptureSpecException(where, $"{type.Name} has no element type in DWARF");
            case GoKind.Map:
                var key = t.Key?.Resolved;
                var keyOk = key?.Kind switch
                {
                    GoKind.String => i.Key is string,
                    GoKind.Int or GoKind.Int8 or GoKind.Int16 or GoKind.Int32 or GoKind.Int64 or GoKind.Uint or GoKind.Uint8 or GoKind.Uint16
                        or GoKind.Uint32 or GoKind.Uint64 or GoKind.Uintptr => i.Key is long,
                    _ => throw new CaptureSpecException(where, $"the keys of {i.Target} (type {type.Name}) cannot be given as a constant"),
                };
                if (!keyOk) throw new CaptureSpecException(where, $"{i.Target} (type {type.Name}) has {t.Key!.Name} keys, not {(i.Key is string ? "a string" : "an integer")}");
                return t.Elem ?? throw new CaptureSpecException(where, $"{type.Name} has no element type in DWARF");
            default:
                throw new CaptureSpecException(where, $"cannot index {i.Target}: type {type.Name} is not a string, array, slice or map");
        }
    }

    /// <summary>Indexing a string gives a byte; DWARF names it uint8.</summary>
    GoType ByteType(GoType any) => _dwarf.FindType("uint8") ?? throw new CaptureSpecException(any.Name, "the binary's DWARF has no uint8 type");

    /// <summary>Up to three names close to <paramref name="wanted"/>: ones ending in or containing it first, then by edit distance.</summary>
    internal static string Suggest(string wanted, IEnumerable<string> names)
    {
        var scored = names.Distinct()
            .Select(n => (Name: n, Score: n.EndsWith("." + wanted, StringComparison.Ordinal) || n.EndsWith(")." + wanted, StringComparison.Ordinal) ? 0
                : n.Contains(wanted, StringComparison.OrdinalIgnoreCase) ? 1 : 2 + Distance(n, wanted)))
            .Where(x => x.Score <= 2 + Math.Max(2, wanted.Length / 3))
            .OrderBy(x => x.Score).ThenBy(x => x.Name.Length).ThenBy(x => x.Name, StringComparer.Ordinal)
            .Take(3).Select(x => x.Name).ToList();
        return string.Join(", ", scored);
    }

    /// <summary>Levenshtein distance, stopping early once it exceeds any useful bound.</summary>
    static int Distance(string a, string b)
    {
        if (Math.Abs(a.Length - b.Length) > 8) return 99;
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++) previous[j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }
}
