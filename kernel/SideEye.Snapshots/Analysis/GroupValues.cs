namespace SideEye.Snapshots.Analysis;

/// <summary>
/// Captured values summarized per stack group: a group of 200 goroutines in one handler shows, per frame and
/// expression, the distinct values and their counts rather than 200 rows (which SQL gives when wanted).
/// </summary>
public static class GroupValues
{
    /// <returns>By group key, the group's values in frame order, then the order the expressions were captured in.</returns>
    public static IReadOnlyDictionary<string, IReadOnlyList<GroupValue>> Of(IReadOnlyList<StackGroup> groups, IReadOnlyList<FrameValue> values)
    {
        ArgumentNullException.ThrowIfNull(groups);
        ArgumentNullException.ThrowIfNull(values);
        var groupOf = new Dictionary<(string Host, int Pid, long Goid), string>();
        foreach (var g in groups)
            for (var i = 0; i < g.Goids.Count; i++) groupOf[(g.Hosts[i], g.Pids[i], g.Goids[i])] = g.Key;
        var result = new Dictionary<string, IReadOnlyList<GroupValue>>(StringComparer.Ordinal);
        foreach (var inGroup in values.Where(v => groupOf.ContainsKey((v.Host, v.Pid, v.Goid))).GroupBy(v => groupOf[(v.Host, v.Pid, v.Goid)], StringComparer.Ordinal))
        {
            var order = inGroup.Select(v => v.Expression).Distinct(StringComparer.Ordinal).Select((e, i) => (e, i)).ToDictionary(x => x.e, x => x.i, StringComparer.Ordinal);
            result[inGroup.Key] = inGroup
                .GroupBy(v => (v.Depth, v.Expression))
                .OrderBy(x => x.Key.Depth).ThenBy(x => order[x.Key.Expression])
                .Select(x => new GroupValue(x.Key.Depth, x.Key.Expression, x.First().Type,
                    x.GroupBy(v => v.Text, StringComparer.Ordinal)
                        .Select(d => KeyValuePair.Create(d.Key, d.Count()))
                        .OrderByDescending(d => d.Value).ThenBy(d => d.Key, StringComparer.Ordinal).ToArray()))
                .ToArray();
        }
        return result;
    }
}
