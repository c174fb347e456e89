using SideEye.Probes.Specs;

namespace SideEye.Probes.Capture;

/// <summary>
/// Why a probe with captures could not be loaded, in one line for the snapshot's row: the kernel's reason and
/// the spec's functions that weigh most in the probe's tables (frame plans, roots, pc intervals), so the user
/// knows what to drop. The snapshot of goroutines goes on without the captures.
/// </summary>
public static class CaptureRefusal
{
    /// <param name="refusal">The kernel's reason, in one line (the verifier's summary).</param>
    public static string Describe(string refusal, CapturePlan plan)
    {
        // Built-in captures the spec did not ask for are not the user's to drop.
        var weights = plan.Expressions.Where(e => !BuiltInCaptures.IsBuiltIn(e.Function, e.Text)).GroupBy(e => e.Function)
            .Select(g => (Function: g.Key, Expressions: g.Select(e => e.Text).Distinct().Count(),
                Roots: plan.FramePlans.Sum(p => p.Roots.Count(r => plan.Expressions[r.Expression].Function == g.Key)),
                Intervals: plan.Intervals.Count(iv => plan.FramePlans[iv.Plan].Roots.Any(r => plan.Expressions[r.Expression].Function == g.Key))))
            .OrderByDescending(w => w.Roots).ThenByDescending(w => w.Intervals).ThenBy(w => w.Function, StringComparer.Ordinal)
            .Take(3)
            .Select(w => $"{w.Function} ({w.Expressions} expressions, {w.Roots} roots in {w.Intervals} pc ranges)");
        return $"captures not loaded, goroutines snapshotted without them: {refusal}; the spec's largest functions: {string.Join(", ", weights)}; drop some of them or their expressions";
    }
}
