using SideEye.Interactive.Formatters;
using SideEye.Snapshots.Analysis;
using SideEye.Snapshots.Model;
using SideEye.Snapshots.Store;

namespace SideEye.Interactive.Tests;

/// <summary>
/// #!sideeye stacks, goroutine and diff over a stored fleet snapshot (the same pid on two hosts): groups say how
/// many processes on how many hosts, --where (repeatable) narrows each, and a goroutine on both hosts asks which.
/// </summary>
public sealed class FleetViewsTests
{
    static readonly StackFrame[] Frames = [new(0x401000, "main.work", "/src/main.go", 12, false)];

    static ProcessSnapshot On(string host, int goroutines) =>
        new(42, host + ".corp", "/bin/app", "go1.26.0", 1000, 2000, false, null,
            [.. Enumerable.Range(1, goroutines).Select(i => new GoroutineRecord(i, "waiting", "chan receive", null, null, null, null, "main.main", Frames.ToArray(), null))])
        { Host = host, Environment = "prod", Labels = new Dictionary<string, string> { ["zone"] = host == "a" ? "east" : "west" } };

    [Fact]
    public async Task StacksGoroutineAndDiffTakeWhere()
    {
        using var temp = new TempFile();
        using (var store = SnapshotStore.Open(temp.Path))
        {
            store.Append(new Snapshot(0, DateTimeOffset.UtcNow, null, [On("a", 2), On("b", 3)]));
            store.Append(new Snapshot(0, DateTimeOffset.UtcNow, null, [On("a", 2), On("b", 7)]));
        }
        using var kernel = new ExtensionKernel();

        var (all, html) = ExtensionKernel.Returned<StacksView>(await kernel.SubmitAsync($"#!sideeye stacks --db {temp.Path}"));
        var group = Assert.Single(all.Groups);
        Assert.Equal((9, 2, 2), (group.Count, group.Processes, group.HostCount));
        Assert.Contains("<td>9<br><small>in 2 processes on 2 hosts</small></td>", html, StringComparison.Ordinal);
        Assert.Contains("1 (pid 42 on a)", html, StringComparison.Ordinal);

        var (west, _) = ExtensionKernel.Returned<StacksView>(await kernel.SubmitAsync($"#!sideeye stacks --db {temp.Path} --where environment=prod --where zone~^w"));
        Assert.Equal([7], west.Groups.Select(g => g.Count));
        Assert.All(west.Groups.Single().Hosts, h => Assert.Equal("b", h));

        Assert.Equal("#!sideeye: goroutine 1 is in processes 42 on a, 42 on b of snapshot 2: say which with its host and pid",
            ExtensionKernel.Failure(await kernel.SubmitAsync($"#!sideeye goroutine --db {temp.Path} --goid 1")));
        var (detail, detailHtml) = ExtensionKernel.Returned<GoroutineDetail>(await kernel.SubmitAsync($"#!sideeye goroutine --db {temp.Path} --goid 1 --pid 42 --where host=b"));
        Assert.Equal(("b", 42), (detail.Host, detail.Pid));
        Assert.Contains("in process 42 on b (/bin/app)", detailHtml, StringComparison.Ordinal);

        var (diff, _) = ExtensionKernel.Returned<DiffView>(await kernel.SubmitAsync($"#!sideeye diff 1 2 --db {temp.Path} --where host=b"));
        Assert.Equal([(3, 7, 1, 1)], diff.Changes.Select(c => (c.Before, c.After, c.Processes, c.HostCount)));
        var (both, bothHtml) = ExtensionKernel.Returned<DiffView>(await kernel.SubmitAsync($"#!sideeye diff 1 2 --db {temp.Path}"));
        Assert.Equal([(5, 9, 2, 2)], both.Changes.Select(c => (c.Before, c.After, c.Processes, c.HostCount)));
        Assert.Contains("<td>9<br><small>in 2 processes on 2 hosts</small></td>", bothHtml, StringComparison.Ordinal);
        var (none, _) = ExtensionKernel.Returned<DiffView>(await kernel.SubmitAsync($"#!sideeye diff 1 2 --db {temp.Path} --where host=a"));
        Assert.Empty(none.Changes);

        Assert.Contains("selector 'zone': no operator", ExtensionKernel.Failure(await kernel.SubmitAsync($"#!sideeye stacks --db {temp.Path} --where zone")), StringComparison.Ordinal);
        Assert.Contains("snapshot 2 has no goroutines of where zone=north", ExtensionKernel.Failure(await kernel.SubmitAsync($"#!sideeye stacks --db {temp.Path} --where zone=north")), StringComparison.Ordinal);
    }
}
