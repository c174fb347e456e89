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
    /// depth of inlining, in any function. Reads every function's inlined calls once: for checking and planning,
    /// not for a hot path.
    /// </summary>
    public static IReadOnlyList<CaptureSite> Find(DwarfData dwarf, string function)
    {
        var sites = new List<CaptureSite>();
        if (dwarf.FindFunction(function) is { } own) sites.Add(new CaptureSite(function, own, false, own.Ranges, own.Variables));
        foreach (var container in dwarf.Functions)
            Collect(container, container.InlinedCalls, function, sites);
        return sites;
    }

    static void Collect(DwarfFunction container, IReadOnlyList<DwarfInlinedCall> calls, string function, List<CaptureSite> sites)
    {
        foreach (var call in calls)
        {
            if (call.Name == function) sites.Add(new CaptureSite(function, container, true, call.Ranges, call.Variables, call.OriginOffset));
            Collect(container, call.InlinedCalls, function, sites);
        }
    }
}
