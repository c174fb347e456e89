using System.Globalization;
using System.Text.Json.Nodes;
using SideEye.Interactive.Formatters;
using SideEye.Snapshots.Analysis;
using SideEye.Testing;

namespace SideEye.Interactive.Tests;

/// <summary>
/// The capture loop of a notebook on testdata/requests (N parked main.(*server).handle frames; it prints three of
/// its requests as JSON): capture checked against the running binary, snapshot, stacks with the values inline per
/// group, and one goroutine's view with exactly the values the program printed.
/// </summary>
[Collection(PrivilegedExtensionCollection.Name)]
[Trait("Category", "Privileged")]
public sealed class CaptureTests
{
    const int Requests = 40;
    const string Handle = "main.(*server).handle";

    [Fact]
    public async Task Captured_values_show_per_group_and_per_goroutine()
    {
        Requires.Root();
        using var target = LaunchedProgram.StartUntilReady(GoFixture.Build("requests", GoToolchains.Newest),
            ["-n", Requests.ToString(CultureInfo.InvariantCulture)], TimeSpan.FromSeconds(60));
        var printed = target.Lines.Where(l => l.StartsWith("request ", StringComparison.Ordinal))
            .Select(l => JsonNode.Parse(l.Split(' ', 3)[2])!.AsObject()).ToArray();
        using var kernel = new ExtensionKernel();

        // A field that does not exist is refused against the running binary, and the spec stays empty.
        var refused = ExtensionKernel.Failure(await kernel.SubmitAsync($"#!sideeye capture {Handle} req.Nope --exe requests"));
        Assert.Contains("req.Nope", refused, StringComparison.Ordinal);
        Assert.EndsWith("the spec is unchanged)", refused, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(kernel.Directory, "sideeye-spec.json")));

        var (spec, _) = ExtensionKernel.Returned<SpecView>(await kernel.SubmitAsync($"#!sideeye capture {Handle} req.ID req.Path req.User len(req.Tags) --exe requests"));
        Assert.NotNull(spec.CheckedAgainst);
        Assert.Equal(["int64", "string", "string", "int"], spec.Checks!.Select(c => c.Type));

        Procfs.FaultIn(target.Pid);
        var (summary, summaryHtml) = ExtensionKernel.Returned<SnapshotSummary>(await kernel.SubmitAsync($"#!sideeye snapshot --pid {target.Pid}"));
        var process = Assert.Single(summary.Snapshot.Processes);
        Assert.Null(process.Error);
        Assert.Equal(Requests * 4, process.Captures!.Count);
        Assert.Contains($"{Requests * 4} values in {Requests} frames", summaryHtml, StringComparison.Ordinal);

        var (stacks, html) = ExtensionKernel.Returned<StacksView>(await kernel.SubmitAsync($"#!sideeye stacks --filter {Handle}"));
        var group = Assert.Single(stacks.Groups);
        Assert.Equal(Requests, group.Count);
        var values = stacks.Values[group.Key];
        var depth = group.Frames.Select((f, i) => (f, i)).Single(x => x.f.Func == Handle).i;
        Assert.All(values, v => Assert.Equal(depth, v.Depth));
        Assert.Equal(["req.ID", "req.Path", "req.User", "len(req.Tags)"], values.Select(v => v.Expression));
        Assert.All(values, v => Assert.Equal(Requests, v.Frames));
        var ids = values.Single(v => v.Expression == "req.ID");
        Assert.Equal(Requests, ids.Values.Count); // every request has its own id
        foreach (var p in printed)
        {
            Assert.Contains(p["req.ID"]!.ToJsonString(), ids.Values.Select(v => v.Key));
            Assert.Contains(p["req.User"]!.ToJsonString(), values.Single(v => v.Expression == "req.User").Values.Select(v => v.Key));
        }
        Assert.Contains("<b>req.User</b> = ", html, StringComparison.Ordinal);

        // The goroutine serving the first printed request, found through the stored values.
        var first = printed[0];
        long goid;
        using (var store = Snapshots.Store.SnapshotStore.OpenReadOnly(Path.Combine(kernel.Directory, "sideeye.duckdb")))
            goid = FrameValues.Of(store, summary.Snapshot.SnapshotId).Single(v => v.Expression == "req.ID" && v.Json == first["req.ID"]!.ToJsonString()).Goid;
        var (detail, detailHtml) = ExtensionKernel.Returned<GoroutineDetail>(await kernel.SubmitAsync($"#!sideeye goroutine --goid {goid}"));
        Assert.Equal((target.Pid, goid), (detail.Pid, detail.Goid));
        var frame = detail.Frames.Single(f => f.Func == Handle);
        foreach (var v in frame.Values)
            Assert.True(JsonNode.DeepEquals(first[v.Expression], JsonNode.Parse(v.Json!)), $"{v.Expression}: printed {first[v.Expression]!.ToJsonString()}, captured {v.Json}");
        Assert.Equal(4, frame.Values.Count);
        Assert.Contains($"goroutine {goid} [", detailHtml, StringComparison.Ordinal);
        Assert.All(detail.Frames.Where(f => f.Func != Handle), f => Assert.Empty(f.Values));

        Assert.Contains("has no goroutine 999999", ExtensionKernel.Failure(await kernel.SubmitAsync("#!sideeye goroutine --goid 999999")), StringComparison.Ordinal);
        Assert.Equal("#!sideeye: goroutine needs one of --goid N, --in FUNC or --report NAME", ExtensionKernel.Failure(await kernel.SubmitAsync("#!sideeye goroutine")));
        // --in: the lowest goid through the function.
        var (firstIn, _) = ExtensionKernel.Returned<GoroutineDetail>(await kernel.SubmitAsync("#!sideeye goroutine --in server).handle"));
        Assert.Equal(stacks.Groups[0].Goids.Min(), firstIn.Goid);
        Assert.Contains("no goroutine in a function matching 'nope'", ExtensionKernel.Failure(await kernel.SubmitAsync("#!sideeye goroutine --in nope")), StringComparison.Ordinal);
    }
}
