using SideEye.Binary.Dwarf;
using SideEye.Binary.Dwarf.Lists;

namespace SideEye.Probes.Specs;

/// <summary>
/// One place a captured function's code is: its own out-of-line body, or a copy inlined into
/// <see cref="Container"/>. A frame (physical, or an inlined frame expanded from it) whose pc is in
/// <see cref="Ranges"/> is a frame of the function, and <see cref="Variables"/> are its parameters and locals there.
/// </summary>
public sealed record CaptureSite(string Function, DwarfFunction Container, bool Inlined, IReadOnlyList<DwarfRange> Ranges, IReadOnlyList<DwarfVariable> Variables, int? OriginOffset = null)
{
    public bool Contains(ulong pc) => Ranges.Any(r => r.Contains(pc));

    /// <summary>
    /// Every site of <paramref name="function"/>: its out-of-line body if it has one and every inlined copy, at any
    /// depth of inlining, in any function. The inlined copies come from an index of the binary's every inlined call
    /// by name, built once per DWARF (a spec of 200 functions of a large binary looked through every function's
    /// inlined calls 200 times: 57 ms a function, measured on cmd/go).
    /// </summary>
    public static IReadOnlyList<CaptureSite> Find(DwarfData dwarf, string function)
    {
        var sites = new List<CaptureSite>();
        if (dwarf.FindFunction(function) is { } own) sites.Add(new CaptureSite(function, own, false, own.Ranges, own.Variables));
        if (InlinedIndex.GetValue(dwarf, BuildIndex).TryGetValue(function, out var copies))
            sites.AddRange(copies.Select(c => new CaptureSite(function, c.Container, true, c.Call.Ranges, c.Call.Variables, c.Call.OriginOffset)));
        return sites;
    }

    static readonly System.Runtime.CompilerServices.ConditionalWeakTable<DwarfData, Dictionary<string, List<(DwarfFunction Container, DwarfInlinedCall Call)>>> InlinedIndex = new();

    static Dictionary<string, List<(DwarfFunction, DwarfInlinedCall)>> BuildIndex(DwarfData dwarf)
    {
        var index = new Dictionary<string, List<(DwarfFunction, DwarfInlinedCall)>>(StringComparer.Ordinal);
        foreach (var container in dwarf.Functions) Collect(container, container.InlinedCalls, index);
        return index;
    }

    static void Collect(DwarfFunction container, IReadOnlyList<DwarfInlinedCall> calls, Dictionary<string, List<(DwarfFunction, DwarfInlinedCall)>> index)
    {
        foreach (var call in calls)
        {
            if (!index.TryGetValue(call.Name, out var list)) index[call.Name] = list = [];
            list.Add((container, call));
            Collect(container, call.InlinedCalls, index);
        }
    }
}
