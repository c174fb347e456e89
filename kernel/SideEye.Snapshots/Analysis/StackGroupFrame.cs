namespace SideEye.Snapshots.Analysis;

/// <summary>One frame of a group's stack.</summary>
public sealed record StackGroupFrame(string Func, string File, int Line)
{
    public override string ToString() => $"{Func} {File}:{Line}";
}
