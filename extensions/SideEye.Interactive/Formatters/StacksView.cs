using SideEye.Snapshots.Analysis;
using SideEye.Snapshots.Reports;

namespace SideEye.Interactive.Formatters;

/// <summary>
/// What #!sideeye stacks returns: one snapshot's goroutines grouped by identical stack, and their tree for the
/// icicle chart. <see cref="IncludePlotly"/>: the first chart of a kernel carries plotly.js, later ones reuse it.
/// <see cref="Values"/>: by group key, what was captured in the group's frames. <see cref="Links"/>: by group key,
/// where the spec's links and the built-in ones lead from the group's goroutines.
/// </summary>
public sealed record StacksView(long SnapshotId, string Database, string? Filter, IReadOnlyList<StackGroup> Groups, IReadOnlyList<StackTreeNode> Tree, bool IncludePlotly,
    IReadOnlyDictionary<string, IReadOnlyList<GroupValue>> Values)
{
    public IReadOnlyDictionary<string, IReadOnlyList<LinkPair>> Links { get; init; } = new Dictionary<string, IReadOnlyList<LinkPair>>();
}
