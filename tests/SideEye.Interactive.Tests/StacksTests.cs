using SideEye.Interactive.Formatters;
using SideEye.Testing;

namespace SideEye.Interactive.Tests;

/// <summary>
/// #!sideeye stacks over a snapshot of testdata/parked with 40 idle goroutines, all waiting in main.idle on one line:
/// one group of exactly 40, an icicle chart that draws with the plotly.js the first chart brought, and errors for
/// what cannot be shown; then a reopened file (#!sideeye open) and the diff between two snapshots of it.
/// </summary>
[Collection(PrivilegedExtensionCollection.Name)]
[Trait("Category", "Privileged")]
public sealed class StacksTests
{
    const int Idle = 40;

    [Fact]
    public async Task Stacks_groups_the_idle_goroutines_and_charts_them_with_plotly_once()
    {
        Requires.Root();
        using var parked = new ParkedProgram(GoToolchains.Newest, idle: Idle);
        using var temp = new TempFile();
        using var kernel = new ExtensionKernel();
        ExtensionKernel.Returned<SnapshotSummary>(await kernel.SubmitAsync($"#!sideeye snapshot --pid {parked.Pid} --db {temp.Path}"));

        var (all, html) = ExtensionKernel.Returned<StacksView>(await kernel.SubmitAsync($"#!sideeye stacks --db {temp.Path}"));
        var idle = all.Groups.Single(g => g.Where?.Func == "main.idle");
        Assert.Equal(Idle, idle.Count);
        Assert.Same(idle, all.Groups[0]);
        Assert.Equal(all.Groups.Sum(g => g.Count), all.Tree[0].Goroutines);
        Assert.Contains("plotly.js v2.28.0", html, StringComparison.Ordinal);
        Assert.Contains("Plotly.newPlot(", html, StringComparison.Ordinal);
        Assert.Contains("<td>40</td>", html, StringComparison.Ordinal);

        // Filtered, and the second chart of the kernel: no second copy of plotly.js.
        var (filtered, again) = ExtensionKernel.Returned<StacksView>(await kernel.SubmitAsync($"#!sideeye stacks --db {temp.Path} --filter main.idle --snapshot {all.SnapshotId}"));
        Assert.Equal([idle.Key], filtered.Groups.Select(g => g.Key));
        Assert.DoesNotContain("plotly.js v2.28.0", again, StringComparison.Ordinal);
        Assert.Contains("Plotly.newPlot(", again, StringComparison.Ordinal);

        Assert.Contains("no snapshot 999", ExtensionKernel.Failure(await kernel.SubmitAsync($"#!sideeye stacks --db {temp.Path} --snapshot 999")), StringComparison.Ordinal);
        Assert.Contains("no such file", ExtensionKernel.Failure(await kernel.SubmitAsync($"#!sideeye stacks --db {temp.Path}.missing")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Open_then_diff_finds_the_group_that_grew()
    {
        Requires.Root();
        using var few = new ParkedProgram(GoToolchains.Newest, idle: 10);
        using var many = new ParkedProgram(GoToolchains.Newest, idle: 25);
        using var temp = new TempFile();
        using var kernel = new ExtensionKernel();
        var (first, _) = ExtensionKernel.Returned<SnapshotSummary>(await kernel.SubmitAsync($"#!sideeye snapshot --pid {few.Pid} --db {temp.Path}"));
        var (second, _) = ExtensionKernel.Returned<SnapshotSummary>(await kernel.SubmitAsync($"#!sideeye snapshot --pid {many.Pid} --db {temp.Path}"));

        // A postmortem reopens the file: the later subcommands use it without --db.
        using var elsewhere = new ExtensionKernel();
        var (opened, html) = ExtensionKernel.Returned<OpenedStore>(await elsewhere.SubmitAsync($"#!sideeye open --file {temp.Path}"));
        Assert.Equal([first.Snapshot.SnapshotId, second.Snapshot.SnapshotId], opened.Snapshots.Select(s => s.SnapshotId));
        Assert.Equal(first.Snapshot.Processes[0].Goroutines.Count, opened.Snapshots[0].Goroutines);
        Assert.Contains("2 snapshots", html, StringComparison.Ordinal);

        var (diff, diffHtml) = ExtensionKernel.Returned<DiffView>(await elsewhere.SubmitAsync(
            $"#!sideeye diff --before {first.Snapshot.SnapshotId} --after {second.Snapshot.SnapshotId}"));
        var grew = diff.Changes[0];
        Assert.Equal(("grew", 10, 25), (grew.Kind, grew.Before, grew.After));
        Assert.Contains(grew.Frames, f => f.Func == "main.idle");
        Assert.Contains("grew +15", diffHtml, StringComparison.Ordinal);

        var (stacks, _) = ExtensionKernel.Returned<StacksView>(await elsewhere.SubmitAsync($"#!sideeye stacks --snapshot {second.Snapshot.SnapshotId} --filter main.idle"));
        Assert.Equal(25, stacks.Groups.Single().Count);

        // Positional ids, as "diff A B".
        var (positional, _) = ExtensionKernel.Returned<DiffView>(await elsewhere.SubmitAsync($"#!sideeye diff {first.Snapshot.SnapshotId} {second.Snapshot.SnapshotId}"));
        Assert.Equal(diff.Changes.Select(c => (c.Key, c.Before, c.After)), positional.Changes.Select(c => (c.Key, c.Before, c.After)));
        Assert.Equal("#!sideeye: diff: 'x' is not a snapshot id", ExtensionKernel.Failure(await elsewhere.SubmitAsync("#!sideeye diff 1 x")));
        Assert.Equal("#!sideeye: diff takes the snapshots as A B or as --before A --after B, not both",
            ExtensionKernel.Failure(await elsewhere.SubmitAsync("#!sideeye diff 1 2 --before 1")));
        // Without ids: the latest against the one before it.
        var (latest, _) = ExtensionKernel.Returned<DiffView>(await elsewhere.SubmitAsync("#!sideeye diff"));
        Assert.Equal((first.Snapshot.SnapshotId, second.Snapshot.SnapshotId), (latest.Before, latest.After));
        Assert.Equal(diff.Changes.Select(c => (c.Key, c.Before, c.After)), latest.Changes.Select(c => (c.Key, c.Before, c.After)));
        Assert.Contains($"no snapshot before {first.Snapshot.SnapshotId} to compare it with",
            ExtensionKernel.Failure(await elsewhere.SubmitAsync($"#!sideeye diff --after {first.Snapshot.SnapshotId}")), StringComparison.Ordinal);
        Assert.Contains("no snapshot 77", ExtensionKernel.Failure(await elsewhere.SubmitAsync($"#!sideeye diff --before 77 --after {second.Snapshot.SnapshotId}")), StringComparison.Ordinal);
    }
}
