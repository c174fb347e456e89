namespace SideEye.Snapshots.Analysis;

/// <summary>
/// All goroutines of a snapshot as one tree, outermost frame first (the flame graph / icicle of a goroutine dump):
/// the root counts every goroutine, each child the goroutines whose stack continues through that function. Built
/// from stack groups, so it works the same on a fresh snapshot and a reopened one.
/// </summary>
public static class StackTree
{
    public const string RootId = "all";

    public static IReadOnlyList<StackTreeNode> Of(IReadOnlyList<StackGroup> groups, string rootLabel = "all goroutines")
    {
        var nodes = new Dictionary<string, (string Parent, string Func, int Count, int Depth)>(StringComparer.Ordinal)
        {
            [RootId] = ("", rootLabel, groups.Sum(g => g.Count), 0),
        };
        var order = new List<string> { RootId };
        foreach (var group in groups)
        {
            var parent = RootId;
            var depth = 0;
            // Frames are innermost first; the tree grows from the outermost. It shows what runtime.Stack shows.
            var frames = group.VisibleFrames;
            for (var i = frames.Count - 1; i >= 0; i--)
            {
                var func = frames[i].Func;
                var id = parent + "/" + func;
                depth++;
                if (nodes.TryGetValue(id, out var node)) nodes[id] = node with { Count = node.Count + group.Count };
                else
                {
                    nodes[id] = (parent, func, group.Count, depth);
                    order.Add(id);
                }
                parent = id;
            }
        }
        return order.Select(id => new StackTreeNode(id, nodes[id].Parent, nodes[id].Func, nodes[id].Count, nodes[id].Depth)).ToArray();
    }
}
