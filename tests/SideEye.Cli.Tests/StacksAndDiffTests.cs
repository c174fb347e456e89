using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using SideEye.GoRuntime;
using SideEye.GoRuntime.Stacks;
using SideEye.Testing;

namespace SideEye.Cli.Tests;

/// <summary>
/// snapshot, stacks and diff end to end on testdata/parked with -n 10 and -n 30 idle goroutines, all waiting in
/// main.idle on one line: the summary and stacks show a group of exactly 10 (then 30) there, with the frames the
/// program's own runtime.Stack dump shows, and diff sees that group grow by 20 (or go, for the first process alone).
/// </summary>
[Collection(PrivilegedCliCollection.Name)]
[Trait("Category", "Privileged")]
public sealed partial class StacksAndDiffTests : KernelObjectLeakCheck, IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("sideeye-stacks-").FullName;

    void IDisposable.Dispose()
    {
        Directory.Delete(_dir, recursive: true);
        Dispose();
    }

    /// <summary>One group as sideeye stacks prints it: a header line, a created-by/goroutines line, then frames.</summary>
    sealed record PrintedGroup(int Count, string States, string Where, string? LongestWait, string Details, string[] Frames)
    {
        public string Text => $"{Count} [{States}] {Where}{(LongestWait is null ? "" : $", longest wait {LongestWait}")}\n{Details}\n{string.Join('\n', Frames)}";
    }

    [GeneratedRegex(@"^ *(\d+)  \[(.+?)\] (.+?)(?:, longest wait (\S+))?$")]
    private static partial Regex GroupHeader();

    [GeneratedRegex(@"^(\d+)  \[chan receive\] (.+?), longest wait (\S+)$")]
    private static partial Regex SummaryLine();

    [GeneratedRegex(@"^process (\d+) \(.+\): (\d+) goroutines, ")]
    private static partial Regex ProcessLine();

    static PrintedGroup[] Groups(string stdout) =>
        stdout.Split("\n\n").Skip(1).Where(b => GroupHeader().IsMatch(b.Split('\n')[0])).Select(block =>
        {
            var lines = block.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            var m = GroupHeader().Match(lines[0]);
            Assert.All(lines[1..], l => Assert.StartsWith("          ", l));
            return new PrintedGroup(int.Parse(m.Groups[1].Value), m.Groups[2].Value, m.Groups[3].Value, m.Groups[4].Success ? m.Groups[4].Value : null,
                lines[1].Trim(), lines[2..].Select(l => l.Trim()).ToArray());
        }).ToArray();

    [Theory]
    [MemberData(nameof(GoToolchains.Data), MemberType = typeof(GoToolchains))]
    public void IdleGoroutinesAreOneGroupThatGrows(string release)
    {
        Requires.Root();
        var toolchain = GoToolchains.Get(release);
        var started = Stopwatch.StartNew();
        // -gc: the program collects garbage once parked, which stamps each blocked goroutine with its start time
        // (g.waitsince), which the longest wait is made of.
        using var few = new ParkedProgram(toolchain, idle: 10, collectGarbage: true);
        using var many = new ParkedProgram(toolchain, idle: 30, collectGarbage: true);
        var store = Path.Combine(_dir, "parked.duckdb");

        // The runtime's own account of the idle goroutines: runtime.Stack's frames (runtime frames hidden) and creator.
        var idleDumped = GoroutineDump.ParseFile(few.DumpPath).Where(g => g.HasFrame("main.idle")).ToArray();
        Assert.Equal(10, idleDumped.Length);
        var idleFrames = idleDumped[0].Frames.Select(f => $"{f.Func} {f.File}:{f.Line}").ToArray();
        Assert.All(idleDumped, g => Assert.Equal(idleFrames, g.Frames.Select(f => $"{f.Func} {f.File}:{f.Line}")));
        var idleWhere = idleFrames[0];
        Assert.StartsWith("main.idle ", idleWhere);

        // The summary: the idle group among the ten largest, at the dump's frame, waiting no longer than the program has lived.
        var first = CliRunner.Run("snapshot", "--pid", few.Pid.ToString(), "--out", store, "--max-frames", "1024", "--max-pause-ms", "5000");
        var lived = started.Elapsed;
        Assert.True(first.ExitCode == 0, first.Stdout + first.Stderr);
        var process = ProcessLine().Match(first.StdoutLines.Single(l => l.StartsWith($"process {few.Pid} ", StringComparison.Ordinal)));
        var total = int.Parse(process.Groups[2].Value);
        var groupLines = first.StdoutLines.SkipWhile(l => !l.StartsWith("  largest groups of identical stacks", StringComparison.Ordinal)).Skip(1).Take(10).ToArray();
        var idleLine = SummaryLine().Match(Assert.Single(groupLines, l => l.Contains($"] {idleWhere}", StringComparison.Ordinal)).Trim());
        Assert.True(idleLine.Success, string.Join('\n', groupLines));
        Assert.Equal(("10", idleWhere), (idleLine.Groups[1].Value, idleLine.Groups[2].Value));
        Assert.InRange(ParseDuration(idleLine.Groups[3].Value), TimeSpan.Zero, lived);

        var second = CliRunner.Run("snapshot", "--pid", many.Pid.ToString(), "--out", store, "--max-frames", "1024", "--max-pause-ms", "5000");
        Assert.True(second.ExitCode == 0, second.Stdout + second.Stderr);

        // stacks: every goroutine of the snapshot in some group, the idle ones in one, with the dump's frames and ids.
        var stacks = CliRunner.Run("stacks", store, "--snapshot", "1");
        Assert.True(stacks.ExitCode == 0, stacks.Stderr);
        var groups = Groups(stacks.Stdout);
        Assert.Equal($"snapshot 1 in {store}: {total} goroutines in {groups.Length} groups of identical stacks", stacks.StdoutLines[0]);
        Assert.Equal(total, groups.Sum(g => g.Count));
        var idle = Assert.Single(groups, g => g.Where == idleWhere);
        Assert.Equal((10, "chan receive"), (idle.Count, idle.States));
        // Read back from the store: the same wait as the summary's, since the store keeps the clock reading of the snapshot.
        Assert.Equal(idleLine.Groups[3].Value, idle.LongestWait);
        // Shown as runtime.Stack shows them, frame for frame: no runtime internals, no wrappers (the go statement's gowrap/funcN).
        Assert.Equal(idleFrames, idle.Frames);
        var goids = Regex.Match(idle.Details, @"^created by (\S+); goroutines ((?:\d+ ){4}\d+) … \(10\)$");
        Assert.True(goids.Success, idle.Details);
        Assert.Equal(idleDumped[0].CreatedByFunc, goids.Groups[1].Value);
        Assert.Subset(idleDumped.Select(g => g.Goid).ToHashSet(), goids.Groups[2].Value.Split(' ').Select(long.Parse).ToHashSet());

        // The latest snapshot by default: the other process, 30 idle.
        var latest = Groups(CliRunner.Run("stacks", store).Stdout);
        Assert.Equal(30, Assert.Single(latest, g => g.Where == idleWhere).Count);

        // --filter: only the recursion goroutine passes through main.recurse, RecursionDepth frames deep.
        var recursion = CliRunner.Run("stacks", store, "--snapshot", "1", "--filter", "main.recurse");
        Assert.EndsWith(" through main.recurse", recursion.StdoutLines[0]);
        var recursing = Assert.Single(Groups(recursion.Stdout));
        Assert.Equal(1, recursing.Count);
        Assert.Equal(ParkedProgram.RecursionDepth, recursing.Frames.Count(f => f.StartsWith("main.recurse ", StringComparison.Ordinal)));
        Assert.Equal($"goroutine {few.Single("recursion").Goid}", recursing.Details.Split("; ")[^1]);

        // --top 1: the largest group, then how many more there are.
        var top = CliRunner.Run("stacks", store, "--snapshot", "1", "--top", "1");
        var largest = Assert.Single(Groups(top.Stdout));
        Assert.Equal(groups[0].Text, largest.Text);
        Assert.Equal($"{groups.Length - 1} more groups with {total - largest.Count} goroutines (--top to show more)", top.StdoutLines[^1]);

        // The first process is not in the second snapshot.
        var wrong = CliRunner.Run("stacks", store, "--snapshot", "2", "--pid", few.Pid.ToString());
        Assert.Equal(CliApp.ExitError, wrong.ExitCode);
        Assert.Equal($"sideeye: snapshot 2 has no process {few.Pid} (it has {many.Pid})", Assert.Single(wrong.StderrLines));

        // diff: the idle group grew by 20, the biggest change.
        var diff = CliRunner.Run("diff", store, "--before", "1", "--after", "2");
        Assert.True(diff.ExitCode == 0, diff.Stderr);
        Assert.StartsWith($"from snapshot 1 to 2 in {store}: ", diff.StdoutLines[0]);
        var changes = diff.StdoutLines.Where(l => l.StartsWith("  ", StringComparison.Ordinal) && !l.StartsWith("   ", StringComparison.Ordinal)).ToArray();
        Assert.Equal($"  grew       +20  10 -> 30  {idleWhere}", changes[0]);

        var same = CliRunner.Run("diff", store, "--before", "2", "--after", "2");
        Assert.Equal([$"snapshots 2 and 2 in {store} have the same stack groups"], same.StdoutLines);

        // Only the first process: it is gone from the second snapshot, every group with it.
        var gone = CliRunner.Run("diff", store, "--before", "1", "--after", "2", "--pid", few.Pid.ToString());
        Assert.True(gone.ExitCode == 0, gone.Stderr);
        Assert.Equal($"from snapshot 1 to 2 process {few.Pid} in {store}: {groups.Length} stack groups changed, -{total} goroutines", gone.StdoutLines[0]);
        Assert.Contains($"  gone       -10  10 -> 0  {idleWhere}", gone.StdoutLines);
    }

    /// <summary>Reads back "850ms", "12.4s", "3m12s", "2h05m" or "3d04h".</summary>
    static TimeSpan ParseDuration(string text)
    {
        var m = Regex.Match(text, @"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m(?!s))?(?:([\d.]+)s)?(?:(\d+)ms)?$");
        Assert.True(m.Success && text.Length > 0, $"not a duration: {text}");
        double Part(int i) => m.Groups[i].Success ? double.Parse(m.Groups[i].Value, CultureInfo.InvariantCulture) : 0;
        return TimeSpan.FromDays(Part(1)) + TimeSpan.FromHours(Part(2)) + TimeSpan.FromMinutes(Part(3)) + TimeSpan.FromSeconds(Part(4)) + TimeSpan.FromMilliseconds(Part(5));
    }
}
