using SideEye.Binary.Dwarf;
using SideEye.Probes.Specs;

namespace SideEye.Probes.Capture;

/// <summary>
/// Splits the text of every captured function (its own body and inlined copies) into intervals over which every
/// captured variable stays in one place, so the probe needs one lookup per frame and no location lists: the
/// boundaries are the sites' ranges and every location list entry of the variables used. Where sites overlap
/// (a captured function inlined into another captured one) an interval carries the roots of both.
/// </summary>
internal static class CaptureIntervals
{
    /// <param name="onlyAt">For a function captured only while it calls another (<see cref="FunctionCapture.AtCallsTo"/>):
    /// the return addresses of those calls. Such a frame is looked up at its return address - 1, so each call gets a
    /// one-byte interval there and the rest of the function none.</param>
    public static (List<CaptureInterval> Intervals, List<FramePlan> Plans) Build(DwarfData dwarf, IReadOnlyList<PlannedExpression> expressions,
        IReadOnlyDictionary<string, HashSet<ulong>>? onlyAt = null)
    {
        onlyAt ??= new Dictionary<string, HashSet<ulong>>();
        var sites = new List<(CaptureSite Site, List<PlannedExpression> Expressions)>();
        // Functions whose expressions are all package variables still need their frames found (a row each).
        foreach (var group in expressions.GroupBy(e => e.Site))
        {
            foreach (var site in CaptureSite.Find(dwarf, group.Key))
                sites.Add((site, group.ToList()));
        }
        var bounds = new SortedSet<ulong>();
        // (variable, pc) where an outer frame's lookup (return address - 1) must take the location at pc + 1.
        var duringCall = new HashSet<(int Die, ulong Pc)>();
        foreach (var (site, exprs) in sites)
        {
            foreach (var r in site.Ranges) { bounds.Add(r.Low); bounds.Add(r.High); }
            foreach (var ret in onlyAt.GetValueOrDefault(site.Function) ?? [])
            {
                if (!site.Contains(ret - 1)) continue;
                bounds.Add(ret - 1);
                bounds.Add(ret);
            }
            foreach (var v in exprs.Select(e => VariableAt(site, e)).OfType<DwarfVariable>())
            {
                if (v.Location?.List is not { } list) continue;
                foreach (var entry in list.Where(x => !x.IsDefault))
                {
                    foreach (var r in site.Ranges)
                    {
                        if (entry.Low > r.Low && entry.Low < r.High)
                        {
                            bounds.Add(entry.Low);
                            // A stack slot named from a return address holds during the call too (see
                            // CaptureLocator.LocateDuringCall): the call's last byte, where the probe looks up an
                            // outer frame, gets an interval of its own. No frame's own pc is ever there.
                            if (CaptureLocator.OnlyAfterCall(v, entry.Low, site.Container.Unit))
                            {
                                bounds.Add(entry.Low - 1);
                                duringCall.Add((v.DieOffset, entry.Low - 1));
                            }
                        }
                        if (entry.High > r.Low && entry.High < r.High) bounds.Add(entry.High);
                    }
                }
            }
        }
        var plans = new List<FramePlan>();
        var planIds = new Dictionary<string, int>();
        var intervals = new List<CaptureInterval>();
        var points = bounds.ToArray();
        for (var i = 0; i + 1 < points.Length; i++)
        {
            var (lo, hi) = (points[i], points[i + 1]);
            var roots = new List<CaptureRoot>();
            foreach (var (site, exprs) in sites)
            {
                if (!site.Contains(lo)) continue;
                if (onlyAt.TryGetValue(site.Function, out var returns) && !(hi == lo + 1 && returns.Contains(hi))) continue;
                foreach (var e in exprs) roots.Add(RootAt(site, e, lo, duringCall));
            }
            if (roots.Count == 0) continue;
            var plan = WithSpan(roots);
            var key = string.Join("|", plan.Roots.Select(r => r.Key));
            if (!planIds.TryGetValue(key, out var id))
            {
                id = plans.Count;
                plans.Add(plan);
                planIds[key] = id;
            }
            if (intervals.Count > 0 && intervals[^1].High == lo && intervals[^1].Plan == id)
                intervals[^1] = intervals[^1] with { High = hi };
            else
                intervals.Add(new CaptureInterval(lo, hi, id));
        }
        return (intervals, plans);
    }

    /// <summary>The site's own copy of the expression's root variable (an inlined copy has its own DIEs), by name.</summary>
    internal static DwarfVariable? VariableAt(CaptureSite site, PlannedExpression e)
    {
        if (e.Capture.Local is not { } local) return null;
        return site.Variables.FirstOrDefault(v => v.Name == local.Name && v.IsParameter == local.IsParameter)
            ?? site.Variables.FirstOrDefault(v => v.Name == local.Name);
    }

    static CaptureRoot RootAt(CaptureSite site, PlannedExpression e, ulong pc, HashSet<(int Die, ulong Pc)> duringCall)
    {
        if (e.IsGlobal) return new CaptureRoot(e.Id, [], 0); // read once per snapshot, not per frame
        if (VariableAt(site, e) is not { } v) return new CaptureRoot(e.Id, [], 0);
        // Registers are kept: the probe uses them only in the innermost frame of a running goroutine.
        var location = duringCall.Contains((v.DieOffset, pc))
            ? CaptureLocator.LocateDuringCall(v, pc + 1, site.Container.Unit)
            : CaptureLocator.Locate(v, pc, innermost: true, site.Container.Unit);
        if (!location.IsAvailable) return new CaptureRoot(e.Id, [], 0);
        var typeSize = (int)Math.Clamp(e.Path.RootType.Size, 0, CaptureRoot.MaxBytes);
        var pieces = new List<RootPiece>();
        var at = 0;
        foreach (var p in location.Pieces)
        {
            var size = p.Size > 0 ? p.Size : typeSize;
            if (at + size > CaptureRoot.MaxBytes) size = CaptureRoot.MaxBytes - at;
            if (size <= 0) break;
            if (p.Kind == CapturePieceKind.Register && (size > 8 || p.Register is < 0 or > 15)) return new CaptureRoot(e.Id, [], 0);
            pieces.Add(p.Kind == CapturePieceKind.Stack
                ? new RootPiece(RootPieceKind.Stack, p.CfaOffset, -1, size, at)
                : new RootPiece(RootPieceKind.Register, 0, p.Register, size, at));
            at += size;
        }
        return new CaptureRoot(e.Id, pieces, at);
    }

    /// <summary>The plan's stack span: every stack piece, capped at <see cref="FramePlan.MaxSpan"/> (roots outside it are dropped).</summary>
    static FramePlan WithSpan(List<CaptureRoot> roots)
    {
        var stack = roots.SelectMany(r => r.Pieces).Where(p => p.Kind == RootPieceKind.Stack).ToList();
        if (stack.Count == 0) return new FramePlan(0, 0, roots);
        var low = stack.Min(p => p.Offset);
        var high = Math.Min(stack.Max(p => p.Offset + p.Size), low + FramePlan.MaxSpan);
        var kept = roots.Select(r => r.Pieces.Any(p => p.Kind == RootPieceKind.Stack && p.Offset + p.Size > high)
            ? new CaptureRoot(r.Expression, [], 0) : r).ToList();
        return new FramePlan((int)low, (int)(high - low), kept);
    }
}
