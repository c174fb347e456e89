namespace SideEye.Snapshots.Analysis;

/// <summary>One frame of a goroutine, innermost at depth 0, with what was captured in it; <paramref name="Shown"/>: runtime.Stack prints it.</summary>
public sealed record GoroutineFrame(int Depth, string Func, string File, int Line, ulong Pc, bool Inlined, IReadOnlyList<FrameValue> Values, bool Shown = true)
{
    public override string ToString() => $"{Func} {File}:{Line}";
}
