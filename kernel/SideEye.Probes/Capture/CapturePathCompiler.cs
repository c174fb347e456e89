using SideEye.Binary.Dwarf.Types;
using SideEye.Probes.Specs;
using SideEye.Probes.Values;

namespace SideEye.Probes.Capture;

/// <summary>
/// Compiles a checked expression (<see cref="ResolvedCapture"/>) into a <see cref="CapturePath"/>: field offsets
/// add up while the value is inline, each pointer crossed becomes a step that copies the pointee. A map index stops
/// the path at the map (the decoder looks the key up among the entries copied); so does a chain longer than
/// <see cref="CapturePath.MaxSteps"/>.
/// </summary>
public static class CapturePathCompiler
{
    public static CapturePath Compile(ResolvedCapture capture, GoType rootType, GatherTypeTable types)
    {
        var steps = new List<CaptureStep>();
        var root = RootOf(capture);
        var (type, offset, stopped) = Walk(capture, capture.Expression, root, rootType, steps);
        if (capture.Expression is BuiltinExpression || type is null) return new CapturePath(rootType, steps, offset, GatherTypeTable.None);
        // A value that refers to nothing (a number, a struct of numbers) is whole in what the path read already.
        var id = types.IdOf(type);
        return new CapturePath(rootType, steps, offset, types.Types[id].SlotCount == 0 ? GatherTypeTable.None : id);
    }

    /// <summary>The sub-expression that names the root: the variable, or for a package variable the qualified name.</summary>
    static CaptureExpression RootOf(ResolvedCapture capture)
    {
        if (capture.Global is not { } g) return FirstName(capture.Expression);
        for (var e = capture.Expression; ;)
        {
            if (e is FieldExpression q && Qualified(q) == g.Name) return q;
            switch (e)
            {
                case FieldExpression f: e = f.Target; break;
                case DerefExpression d: e = d.Target; break;
                case IndexExpression i: e = i.Target; break;
                case BuiltinExpression b: e = b.Argument; break;
                case TypeAssertExpression a: e = a.Target; break;
                default: return e;
            }
        }
    }

    static CaptureExpression FirstName(CaptureExpression e) => e switch
    {
        FieldExpression f => FirstName(f.Target),
        DerefExpression d => FirstName(d.Target),
        IndexExpression i => FirstName(i.Target),
        BuiltinExpression b => FirstName(b.Argument),
        TypeAssertExpression a => FirstName(a.Target),
        _ => e,
    };

    static string? Qualified(CaptureExpression e) => e switch
    {
        NameExpression n => n.Name,
        FieldExpression f when Qualified(f.Target) is { } t => t + "." + f.Field,
        _ => null,
    };

    /// <summary>Type and offset (in the last thing read) of <paramref name="e"/>; stopped when the probe cannot go further (the value gathered is then what was reached).</summary>
    static (GoType? Type, int Offset, bool Stopped) Walk(ResolvedCapture capture, CaptureExpression e, CaptureExpression root, GoType rootType, List<CaptureStep> steps)
    {
        if (ReferenceEquals(e, root) || e == root) return (rootType, 0, false);
        switch (e)
        {
            case FieldExpression f:
            {
                var (t, off, stopped) = Walk(capture, f.Target, root, rootType, steps);
                if (stopped || t is null) return (t, off, true);
                foreach (var (field, throughPointer) in FieldChain(t, f.Field) ?? [])
                {
                    if (throughPointer)
                    {
                        if (!Deref(ref t, ref off, steps)) return (t, off, true);
                    }
                    off += (int)field.Offset;
                    t = field.Type;
                }
                return (t, off, false);
            }
            case TypeAssertExpression a when capture.Assertions.TryGetValue(a, out var assertion):
            {
                // The interface's second word: a pointer-shaped value itself, else a pointer to the boxed value.
                // Whether the interface holds that type is the decoder's check (its first word); the probe only reads.
                var (t, off, stopped) = Walk(capture, a.Target, root, rootType, steps);
                if (stopped || t is null) return (t, off, true);
                var dataWord = off + ValueReadRules.PointerSize;
                var asserted = assertion.Type;
                if (IsPointerShaped(asserted)) return (asserted, dataWord, false);
                if (steps.Count >= CapturePath.MaxSteps) return (t, off, true);
                steps.Add(new CaptureStep(dataWord, 0, (int)Math.Clamp(asserted.Size, 1, GatherTypeTable.MaxBlockBytes)));
                return (asserted, 0, false);
            }
            case DerefExpression d:
            {
                var (t, off, stopped) = Walk(capture, d.Target, root, rootType, steps);
                if (stopped || t is null) return (t, off, true);
                return Deref(ref t, ref off, steps) ? (t, off, false) : (t, off, true);
            }
            case IndexExpression i:
            {
                var (t, off, stopped) = Walk(capture, i.Target, root, rootType, steps);
                if (stopped || t is null) return (t, off, true);
                if (Kind(t) == GoKind.Pointer && !Deref(ref t, ref off, steps)) return (t, off, true); // p[i] on *array
                switch (Kind(t))
                {
                    case GoKind.Array when t.Elem is { } e1 && i.Key is long n:
                        return (e1, off + (int)(n * e1.Size), false);
                    case GoKind.Slice when t.Elem is { } e2 && i.Key is long n2:
                        if (steps.Count >= CapturePath.MaxSteps) return (t, off, true);
                        steps.Add(new CaptureStep(off, n2 * e2.Size, (int)Math.Clamp(e2.Size, 1, GatherTypeTable.MaxBlockBytes)));
                        return (e2, 0, false);
                    case GoKind.String when i.Key is long n3:
                        if (steps.Count >= CapturePath.MaxSteps) return (t, off, true);
                        steps.Add(new CaptureStep(off, n3, 1));
                        return (null, 0, true); // a byte: no type to gather
                    default:
                        return (t, off, true); // a map: the decoder looks the key up in the copied entries
                }
            }
            case BuiltinExpression b:
            {
                var (t, off, stopped) = Walk(capture, b.Argument, root, rootType, steps);
                if (stopped || t is null) return (t, off, true);
                if (Kind(t) == GoKind.Pointer && t.Elem is { } arr && Kind(arr) == GoKind.Array) return (arr, off, true);
                // Maps and channels keep their length behind the pointer: copy the header.
                if (t.Kind is GoKind.Map or GoKind.Chan && t.Resolved.Kind == GoKind.Pointer && t.Resolved.Elem is { } header
                    && steps.Count < CapturePath.MaxSteps)
                {
                    steps.Add(new CaptureStep(off, 0, (int)Math.Clamp(header.Size, 1, GatherTypeTable.MaxBlockBytes)));
                    return (header, 0, true);
                }
                return (t, off, true);
            }
            default:
                return (rootType, 0, false);
        }
    }

    /// <summary>Kinds an interface keeps in its data word itself rather than boxed (Go's direct interface types, less the one-pointer structs and arrays).</summary>
    internal static bool IsPointerShaped(GoType t) => ValueKinds.Of(t) is GoKind.Pointer or GoKind.Map or GoKind.Chan or GoKind.Func or GoKind.UnsafePointer;

    static bool Deref(ref GoType t, ref int off, List<CaptureStep> steps)
    {
        if (Kind(t) != GoKind.Pointer || t.Elem is not { } pointee || steps.Count >= CapturePath.MaxSteps) return false;
        steps.Add(new CaptureStep(off, 0, (int)Math.Clamp(pointee.Size, 1, GatherTypeTable.MaxBlockBytes)));
        t = pointee;
        off = 0;
        return true;
    }

    static GoKind Kind(GoType t) => t.Kind is GoKind.Map or GoKind.Chan ? t.Kind : t.Resolved.Kind;

    /// <summary>
    /// The fields to cross to reach <paramref name="name"/> from a struct or pointer to one, promoted through
    /// embedded structs as Go does (shallowest first); each says whether a pointer is crossed before it.
    /// </summary>
    public static List<(GoTypeField Field, bool ThroughPointer)>? FieldChain(GoType type, string name)
    {
        var throughPointer = Kind(type) == GoKind.Pointer;
        var target = throughPointer && type.Elem is { } e ? e : type;
        if (Kind(target) != GoKind.Struct) return null;
        var fields = target.Resolved.Fields;
        if (fields.FirstOrDefault(f => f.Name == name) is { } direct) return [(direct, throughPointer)];
        foreach (var embedded in fields.Where(f => f.IsEmbedded))
        {
            if (FieldChain(embedded.Type, name) is { } rest)
                return [(embedded, throughPointer), .. rest];
        }
        return null;
    }
}
