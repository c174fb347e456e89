namespace SideEye.Snapshots.Analysis;

/// <summary>One expression captured in one frame of a stored snapshot: its JSON, or why it has none.</summary>
public sealed record FrameValue(string Host, int Pid, long Goid, int Depth, string Func, string Expression, string Type, string? Json, string? Unavailable)
{
    /// <summary>The value as a reader sees it: the JSON, or "unavailable: WHY".</summary>
    public string Text => Json ?? $"unavailable: {Unavailable}";
}
