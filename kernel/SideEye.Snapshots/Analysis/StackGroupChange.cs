namespace SideEye.Snapshots.Analysis;

/// <summary>A stack whose goroutine count differs between two snapshots (<see cref="Before"/> or <see cref="After"/> 0: it appeared or went).</summary>
/// <param name="Processes">How many processes hold the stack in the later snapshot that has it (after, else before).</param>
/// <param name="HostCount">On how many hosts those processes are.</param>
public sealed record StackGroupChange(string Key, IReadOnlyList<StackGroupFrame> Frames, int Before, int After, int Processes = 1, int HostCount = 1)
{
    public int Delta => After - Before;
    public string Kind => Before == 0 ? "appeared" : After == 0 ? "gone" : Delta > 0 ? "grew" : "shrank";

    /// <summary>The stack's innermost frame outside the runtime, as <see cref="StackGroup.Where"/>.</summary>
    public StackGroupFrame? Where => StackGroupFrame.WhereIn(Frames);

    /// <summary>The frames runtime.Stack would show (see <see cref="StackGroupFrame.Visible"/>).</summary>
    public IReadOnlyList<StackGroupFrame> VisibleFrames => StackGroupFrame.Visible(Frames, f => f.Shown);
}
