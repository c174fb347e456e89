namespace SideEye.Snapshots.Analysis;

/// <summary>
/// What one expression was in one frame across a stack group's goroutines: each distinct value (see
/// <see cref="FrameValue.Text"/>) with how many frames had it, most frequent first.
/// </summary>
public sealed record GroupValue(int Depth, string Expression, string Type, IReadOnlyList<KeyValuePair<string, int>> Values)
{
    /// <summary>How many frames the values came from.</summary>
    public int Frames => Values.Sum(v => v.Value);
}
