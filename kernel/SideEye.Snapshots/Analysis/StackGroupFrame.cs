namespace SideEye.Snapshots.Analysis;

/// <summary>One frame of a group's stack.</summary>
public sealed record StackGroupFrame(string Func, string File, int Line)
{
    public override string ToString() => $"{Func} {File}:{Line}";

    /// <summary>Where goroutines with these frames are "at" for a reader: the innermost frame outside the runtime (else the innermost).</summary>
    public static StackGroupFrame? WhereIn(IReadOnlyList<StackGroupFrame> frames) =>
        frames.FirstOrDefault(f => !f.Func.StartsWith("runtime.", StringComparison.Ordinal)) ?? frames.FirstOrDefault();
}
