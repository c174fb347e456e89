using SideEye.Binary.Dwarf;
using SideEye.Binary.Dwarf.Types;
using SideEye.GoRuntime;
using SideEye.GoRuntime.MachineCode;
using SideEye.Probes.Specs;

namespace SideEye.Probes.Capture;

/// <summary>
/// A capture spec compiled against one binary, kernel-free: the expressions with their paths, the pc intervals
/// (sorted, disjoint) that select a <see cref="FramePlan"/>, the package-variable roots read once per snapshot,
/// the gather types, and the runtime type descriptors an interface may point to (link-time address → gather type
/// of what its data word refers to), sorted by address for the probe's binary search.
/// </summary>
public sealed class CapturePlan
{
    public required IReadOnlyList<PlannedExpression> Expressions { get; init; }
    public required IReadOnlyList<CaptureInterval> Intervals { get; init; }
    public required IReadOnlyList<FramePlan> FramePlans { get; init; }
    public required IReadOnlyList<CaptureRoot> Globals { get; init; }
    public required GatherTypeTable Types { get; init; }
    public required IReadOnlyList<(ulong Address, int Type)> RuntimeTypes { get; init; }
    public required CaptureLimits Limits { get; init; }
    /// <summary>The functions and expressions asked for, in spec order (tables get their columns from here).</summary>
    public required IReadOnlyList<FunctionCapture> Requested { get; init; }
    /// <summary>Gather type of a string, for a boxed value whose type has no DWARF but whose descriptor says string.</summary>
    public required int StringType { get; init; }
    /// <summary>Offset of the dynamic type pointer in an itab (internal/abi.ITab.Type, runtime.itab._type).</summary>
    public required int ItabTypeOffset { get; init; }

    public bool IsEmpty => Expressions.Count == 0;

    /// <summary>The spec's captures for one binary. Throws <see cref="CaptureSpecException"/> for what cannot be captured.</summary>
    public static CapturePlan Create(GoBinary binary, ProgramCaptures captures, CaptureLimits limits, IEnumerable<(ulong Address, GoType Type)>? runtimeTypes = null)
    {
        var resolver = new CaptureResolver(binary);
        var dwarf = binary.Dwarf!;
        var types = new GatherTypeTable(limits, binary.Version);
        var expressions = new List<PlannedExpression>();
        foreach (var function in captures.Functions)
        {
            // A generic function is captured in every instantiation, each resolved with its own shapes' types.
            var sites = resolver.Instantiations(function.Function);
            if (sites.Count == 0) resolver.Function(function.Function); // says which functions exist
            foreach (var site in sites)
            {
                foreach (var text in function.Expressions)
                {
                    var resolved = resolver.Resolve(site, text);
                    var rootType = resolved.Global?.Type
                        ?? (resolved.Local?.TypeOffset is { } t ? dwarf.Types.TypeAt(t) : null)
                        ?? throw new CaptureSpecException($"{function.Function}: \"{text}\"", "its root has no type in DWARF");
                    expressions.Add(new PlannedExpression(expressions.Count, function.Function, resolved, CapturePathCompiler.Compile(resolved, rootType, types)));
                }
            }
        }
        var onlyAt = captures.Functions.Where(f => f.AtCallsTo is not null).ToDictionary(f => f.Function,
            f => FunctionCode.ReturnAddressesOfCalls(binary.Image, binary.Pclntab, f.Function, f.AtCallsTo!).ToHashSet());
        var (intervals, plans) = CaptureIntervals.Build(dwarf, expressions, onlyAt);
        var globals = expressions.Where(e => e.IsGlobal).Select(e =>
        {
            var g = e.Capture.Global!;
            var size = (int)Math.Clamp(g.Type?.Size ?? 0, 0, CaptureRoot.MaxBytes);
            return new CaptureRoot(e.Id, [new RootPiece(RootPieceKind.Global, (long)g.Address, -1, size, 0)], size);
        }).ToList();
        var runtime = new SortedDictionary<ulong, int>();
        if (expressions.Count > 0)
        {
            // Types reachable from the captured values first, so a full table loses the long tail, not them.
            foreach (var (address, type) in runtimeTypes ?? [])
            {
                if (runtime.ContainsKey(address)) continue;
                var id = types.InterfaceDataId(type);
                if (id != GatherTypeTable.None) runtime[address] = id;
            }
        }
        var itab = dwarf.FindType("internal/abi.ITab") ?? dwarf.FindType("runtime.itab");
        var itabType = itab?.Field("Type") ?? itab?.Field("_type");
        return new CapturePlan
        {
            Expressions = expressions,
            Intervals = intervals,
            FramePlans = plans,
            Globals = globals,
            Types = types,
            RuntimeTypes = runtime.Select(kv => (kv.Key, kv.Value)).ToArray(),
            Limits = limits,
            Requested = captures.Functions,
            ItabTypeOffset = (int)(itabType?.Offset ?? 8),
            StringType = dwarf.FindType("string") is { } str ? types.IdOf(str) : GatherTypeTable.None,
        };
    }
}
