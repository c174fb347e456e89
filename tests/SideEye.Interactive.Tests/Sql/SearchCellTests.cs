using Microsoft.DotNet.Interactive.Events;
using SideEye.Interactive.Formatters;

namespace SideEye.Interactive.Tests.Sql;

/// <summary>#!sideeye search TEXT: the captured values of the opened file's latest snapshot that hold a text, with their goroutines and frames.</summary>
public sealed class SearchCellTests
{
    [Fact]
    public async Task Search_names_the_goroutine_and_frame_holding_a_text()
    {
        using var store = new SqlStoreFile(snapshots: 2);
        using var notebook = new SqlNotebook();
        await notebook.SubmitAsync($"#!sideeye open --file {store.Path}");
        var result = await notebook.SubmitAsync("#!sideeye search LIMIT=1000");
        Assert.Empty(result.Events.OfType<CommandFailed>());
        var shown = result.Events.OfType<ReturnValueProduced>().Single(d => d.Value is SearchView);
        var view = (SearchView)shown.Value;
        Assert.Equal((2L, "LIMIT=1000"), (view.SnapshotId, view.Text));
        var match = Assert.Single(view.Matches);
        Assert.Equal((SqlStoreFile.Pid, 1L, 0, "main.idle", "req"), (match.Pid, match.Goid, match.Depth, match.Function, match.Expression));
        Assert.Contains("limit=1000", match.Excerpt);
        var html = shown.FormattedValues.Single(v => v.MimeType == "text/html").Value;
        Assert.Contains("1 values in 1 goroutines hold <code>LIMIT=1000</code>", html);
        Assert.Contains("#!sideeye goroutine --goid 1 --pid 4242 --snapshot 2", html);

        var none = (SearchView)(await notebook.SubmitAsync("#!sideeye search no-such-text --snapshot 1")).Events.OfType<ReturnValueProduced>().Single(d => d.Value is SearchView).Value;
        Assert.Equal((1L, 0), (none.SnapshotId, none.Matches.Count));
        Assert.Equal("#!sideeye: search needs a text: search TEXT", ExtensionKernel.Failure(await notebook.SubmitAsync("#!sideeye search --snapshot 1")));
    }
}
