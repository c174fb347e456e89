namespace SideEye.Snapshots.Analysis;

/// <summary>
/// What changed between two snapshots' stack groups (leak hunting: a group that keeps growing is the suspect),
/// biggest change first; groups of the same size in both are left out.
/// </summary>
public static class StackGroupDiff
{
    public static IReadOnlyList<StackGroupChange> Between(IReadOnlyList<StackGroup> before, IReadOnlyList<StackGroup> after)
    {
        var a = before.ToDictionary(g => g.Key, StringComparer.Ordinal);
        var b = after.ToDictionary(g => g.Key, StringComparer.Ordinal);
        return a.Keys.Union(b.Keys, StringComparer.Ordinal)
            .Select(k =>
            {
                var x = a.GetValueOrDefault(k);
                var y = b.GetValueOrDefault(k);
                var latest = (y ?? x)!;
                return new StackGroupChange(k, latest.Frames, x?.Count ?? 0, y?.Count ?? 0, latest.Processes, latest.HostCount);
            })
            .Where(c => c.Delta != 0)
            .OrderByDescending(c => Math.Abs(c.Delta)).ThenBy(c => c.Key, StringComparer.Ordinal)
            .ToArray();
    }
}
