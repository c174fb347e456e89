namespace SideEye.Snapshots.Analysis;

/// <summary>
/// One node of a stack tree: a function reached along one path from the outermost frame, with how many goroutines
/// pass through it. <see cref="Id"/> and <see cref="ParentId"/> are the shape Plotly's icicle and sunburst charts
/// take (ids, parents, values, labels); the root's parent is "".
/// </summary>
public sealed record StackTreeNode(string Id, string ParentId, string Func, int Goroutines, int Depth);
