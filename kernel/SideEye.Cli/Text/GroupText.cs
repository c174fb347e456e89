using System.Globalization;
using SideEye.Snapshots.Analysis;

namespace SideEye.Cli.Text;

/// <summary>How the commands print stack groups: states, where a group is, its frames and goroutine ids.</summary>
static class GroupText
{
    /// <summary>Frames and the lines under a group header are indented this far.</summary>
    public const string Indent = "          ";

    /// <summary>The one state of a group ("chan receive"), or each with its count, most common first ("8 chan receive, 2 running").</summary>
    public static string States(IReadOnlyDictionary<string, int> states) =>
        states.Count == 1 ? states.Keys.Single() : string.Join(", ", states.Select(s => $"{s.Value} {s.Key}"));

    /// <summary>The innermost frame outside the runtime as FUNC FILE:LINE, or "(no stack)".</summary>
    public static string Where(StackGroupFrame? where) => where?.ToString() ?? "(no stack)";

    /// <summary>
    /// ", longest wait D" (see <see cref="StackGroup.LongestWait"/>): the runtime stamps a blocked goroutine at the first
    /// garbage collection that sees it blocked, so D is a lower bound, and without a stamp nothing is printed.
    /// </summary>
    public static string LongestWait(StackGroup group) => group.LongestWait is { } d ? $", longest wait {Durations.Short(d)}" : "";

    /// <summary>The frames runtime.Stack would show, one a line.</summary>
    public static void WriteFrames(TextWriter o, IReadOnlyList<StackGroupFrame> frames)
    {
        foreach (var f in StackGroupFrame.Visible(frames, f => f.Shown)) o.WriteLine($"{Indent}{f}");
    }

    /// <summary>A few goroutine ids, enough to look one up with sideeye query, and how many there are.</summary>
    public static string Goids(IReadOnlyList<long> goids, int shown = 5) =>
        (goids.Count == 1 ? "goroutine " : "goroutines ") + string.Join(' ', goids.Take(shown).Select(g => g.ToString(CultureInfo.InvariantCulture))) +
        (goids.Count > shown ? $" … ({goids.Count})" : "");

    /// <summary>
    /// "in 3 processes on 2 hosts; " when the group spans more than one process, "" otherwise: one process's output
    /// reads as it always has.
    /// </summary>
    public static string Spread(StackGroup group) => Spread(group.Processes, group.HostCount);

    /// <summary>As <see cref="Spread(StackGroup)"/>, for a changed group (its spread in the later snapshot that has it).</summary>
    public static string Spread(StackGroupChange change) => Spread(change.Processes, change.HostCount);

    static string Spread(int processes, int hosts) => processes > 1 ? $"in {processes} processes on {Plural(hosts, "host")}; " : "";

    /// <summary>"1 goroutine", "2 goroutines".</summary>
    public static string Plural(long n, string word) => $"{n} {word}{(n == 1 ? "" : "s")}";
}
