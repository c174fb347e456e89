namespace SideEye.Snapshots.Analysis;

/// <summary>
/// Goroutines of one snapshot with the same stack (functions, files and lines, innermost first): how many, in which
/// states, created where, and which ones. <see cref="Key"/> names the stack the same way in every snapshot, so
/// groups of two snapshots can be compared.
/// </summary>
/// <param name="States">Wait reason (or status when not waiting) → goroutines.</param>
/// <param name="OldestWaitSinceNs">The earliest runtime wait start (nanotime) among the group, the longest waiter; null when none is waiting.</param>
/// <param name="Pids">The process of each of <see cref="Goids"/>, index for index (goids repeat across processes).</param>
/// <param name="Hosts">The host of each of <see cref="Goids"/>, index for index (pids repeat across hosts).</param>
/// <param name="LongestWait">How long the longest waiter had waited when the snapshot was taken. Null when the runtime
/// recorded no wait start (it does so only for goroutines blocked across a garbage collection, as runtime.Stack's
/// "N minutes" shows) or the store predates the clock reading.</param>
public sealed record StackGroup(
    string Key,
    IReadOnlyList<StackGroupFrame> Frames,
    int Count,
    IReadOnlyDictionary<string, int> States,
    long? OldestWaitSinceNs,
    IReadOnlyList<string> CreatedBy,
    IReadOnlyList<long> Goids,
    IReadOnlyList<int> Pids,
    IReadOnlyList<string> Hosts,
    TimeSpan? LongestWait)
{
    /// <summary>How many processes (host and pid) the group's goroutines are in.</summary>
    public int Processes => Pids.Select((pid, i) => (Hosts[i], pid)).Distinct().Count();

    /// <summary>How many hosts the group's goroutines are on.</summary>
    public int HostCount => Hosts.Distinct(StringComparer.Ordinal).Count();

    /// <summary>The innermost frame outside the runtime, where the group's goroutines are "at" for a reader.</summary>
    public StackGroupFrame? Where => StackGroupFrame.WhereIn(Frames);

    /// <summary>The frames runtime.Stack would show (see <see cref="StackGroupFrame.Visible"/>).</summary>
    public IReadOnlyList<StackGroupFrame> VisibleFrames => StackGroupFrame.Visible(Frames, f => f.Shown);
}
