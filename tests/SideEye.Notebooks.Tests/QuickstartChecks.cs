using System.Globalization;
using System.Text.RegularExpressions;

namespace SideEye.Notebooks.Tests;

/// <summary>
/// What notebooks/quickstart.ipynb must show after a run against the demo, however it ran: the extension loaded
/// from the feed's package (the very build the sources make), the demo among the targets and in the snapshot with
/// the pid it printed itself, the same goroutine total in the snapshot, the stacks view, the SQL cell and the C#
/// cell, the captured expressions with the types the demo declares, and captured values that agree with how the
/// demo made them (each main.fetch's url ends in its id).
/// </summary>
static partial class QuickstartChecks
{
    public const string Notebook = "quickstart.ipynb";

    public static void Check(ExecutedNotebook notebook, DemoService demo, Guid build)
    {
        notebook.AssertNoCellFailed();
        demo.AssertRunning();
        var version = LocalFeed.Version;

        var load = notebook.Cell("#i \"nuget:");
        Assert.Contains($"SideEye.Interactive, {version}", HtmlTables.Text(load.Html));
        Assert.Contains($"/sideeye.interactive/{version}/interactive-extensions/dotnet/extension.dib", load.Text);

        // The build the kernel runs is the feed's, not an older one of the same version from the package cache.
        var loaded = HtmlTables.Text(notebook.Cell("var sideeye =").Html);
        var loadedBuild = LoadedBuildRegex().Match(loaded);
        Assert.True(loadedBuild.Success, $"no build id in: {HtmlTables.Shorten(loaded)}");
        Assert.True(loadedBuild.Groups[1].Value == build.ToString(),
            $"the kernel runs build {loadedBuild.Groups[1].Value} of SideEye.Interactive {version}, the feed holds {build}: an older package of the same version, left in the global package cache?");
        Assert.Contains($"/sideeye.interactive/{version}/lib/net10.0/SideEye.Interactive.dll", loaded);

        var targets = HtmlTables.WithColumns(notebook.Cell("#!sideeye targets").Html, "pid", "executable", "Go");
        var target = Assert.Single(targets.Rows, r => targets.Cell(r, "pid") == Pid(demo));
        Assert.Equal(demo.Executable, targets.Cell(target, "executable"));
        Assert.StartsWith("go", targets.Cell(target, "Go"), StringComparison.Ordinal);

        var snapshotHtml = notebook.Cell("#!sideeye snapshot").Html;
        var snapshot = HtmlTables.WithColumns(snapshotHtml, "pid", "executable", "goroutines", "error");
        var ours = Assert.Single(snapshot.Rows, r => snapshot.Cell(r, "pid") == Pid(demo));
        Assert.Equal("", snapshot.Cell(ours, "error"));
        // main, the four workers, the results drain, the ticker loop, the HTTP server's accept: and the runtime's own.
        Assert.True(Count(snapshot.Cell(ours, "goroutines")) >= DemoService.Workers + 3, $"demo: {snapshot.Cell(ours, "goroutines")} goroutines");
        // --exe demo also finds any other demo on the machine: totals are over the whole snapshot.
        var total = snapshot.Rows.Sum(r => Count(snapshot.Cell(r, "goroutines")));
        var demos = snapshot.Rows.Count(r => Path.GetFileName(snapshot.Cell(r, "executable")) == "demo");
        var id = SnapshotIdRegex().Match(snapshotHtml) is { Success: true } m ? m.Groups[1].Value : throw new Xunit.Sdk.XunitException($"no snapshot id in: {HtmlTables.Shorten(snapshotHtml)}");

        var stacksHtml = notebook.Cell("#!sideeye stacks").Html;
        var header = StacksHeaderRegex().Match(stacksHtml);
        Assert.True(header.Success, $"no stacks header in: {HtmlTables.Shorten(stacksHtml)}");
        Assert.Equal((id, total), (header.Groups[1].Value, Count(header.Groups[2].Value)));
        var groups = HtmlTables.WithColumns(stacksHtml, "goroutines", "states", "where", "stack");
        Assert.Equal(total, groups.Rows.Sum(r => Count(groups.Cell(r, "goroutines"))));
        var workers = groups.Rows.Where(r => groups.Cell(r, "stack").Contains("main.worker", StringComparison.Ordinal)).Sum(r => Count(groups.Cell(r, "goroutines")));
        Assert.Equal(DemoService.Workers * demos, workers);
        // The icicle: plotly.js inline (first chart of the kernel), then the figure drawn with it.
        Assert.Single(PlotlyHeaderRegex().Matches(stacksHtml));
        Assert.Contains("Plotly.newPlot(", stacksHtml);
        Assert.Contains("\"type\":\"icicle\"", stacksHtml);

        // Captures: checked against the running demo, with the types its source declares (Cache.items map[string]*Job;
        // fetch(id int64, url string, …)).
        var spec = HtmlTables.In(notebook.Cell("#!sideeye capture").Html).Last(t => t.Header.Contains("expression"));
        string TypeOf(string function, string expression) => spec.Cell(spec.Rows.Single(r => spec.Cell(r, "function") == function && spec.Cell(r, "expression") == expression), "type");
        Assert.Equal("int", TypeOf("main.worker", "len(cache.items)"));
        Assert.Equal("*main.Job", TypeOf("main.worker", "cache.items[\"job-1\"]"));
        Assert.Equal(("int64", "string"), (TypeOf("main.fetch", "id"), TypeOf("main.fetch", "url")));
        Assert.Matches(@"captured (\d+) values in \d+ frames", CapturedText(snapshot, ours));
        var fetching = groups.Rows.Where(r => groups.Cell(r, "where").StartsWith("main.fetch", StringComparison.Ordinal)).ToArray();
        Assert.NotEmpty(fetching);
        Assert.All(fetching, r => Assert.Contains("url = \"http://inventory.internal/items/", groups.Cell(r, "stack"), StringComparison.Ordinal));

        // One goroutine up close: blocked in main.fetch, its url made from its id.
        var goroutine = HtmlTables.Text(notebook.Cell("#!sideeye goroutine").Html);
        Assert.Matches(@"^goroutine \d+ \[chan receive", goroutine);
        var fetchId = FetchIdRegex().Match(goroutine);
        Assert.True(fetchId.Success, HtmlTables.Shorten(goroutine));
        Assert.Contains($"url string = \"http://inventory.internal/items/{fetchId.Groups[1].Value}\"", goroutine, StringComparison.Ordinal);

        // SQL: the same total by state, and captured values joined to goroutines.
        var states = SqlTables.WithColumns(notebook.Cell("#!sideeye-sql --name states").Html, "state", "goroutines");
        Assert.Equal(total, states.Rows.Sum(r => Count(states.Cell(r, "goroutines"))));
        var fetches = SqlTables.WithColumns(notebook.Cell("#!sideeye-sql\n").Html, "goid", "id", "url", "wait_reason");
        Assert.NotEmpty(fetches.Rows);
        Assert.All(fetches.Rows, r => Assert.Equal($"http://inventory.internal/items/{fetches.Cell(r, "id")}", fetches.Cell(r, "url")));
        Assert.All(fetches.Rows, r => Assert.Equal("chan receive", fetches.Cell(r, "wait_reason")));

        var byState = HtmlTables.WithColumns(notebook.Cell("#!share").Html, "state", "goroutines");
        Assert.Equal(total, byState.Rows.Sum(r => Count(byState.Cell(r, "goroutines"))));
    }

    static string CapturedText(HtmlTable snapshot, IReadOnlyList<string> row) => "captured " + snapshot.Cell(row, "captured");


    static string Pid(DemoService demo) => demo.Pid.ToString(CultureInfo.InvariantCulture);

    /// <summary>The number a cell starts with (a group's count may be followed by "in N processes on M hosts").</summary>
    static int Count(string cell) => int.Parse(cell.Split([' ', '\n'], StringSplitOptions.RemoveEmptyEntries)[0], NumberStyles.None, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"id int64 = (\d+)")]
    private static partial Regex FetchIdRegex();
    [GeneratedRegex(@"Build = ([0-9a-f-]{36})")]
    private static partial Regex LoadedBuildRegex();
    [GeneratedRegex(@"<p>snapshot (\d+) at ")]
    private static partial Regex SnapshotIdRegex();
    [GeneratedRegex(@"<p>snapshot (\d+) in [^:]*: (\d+) goroutines in \d+ groups")]
    private static partial Regex StacksHeaderRegex();
    [GeneratedRegex(@"\* plotly\.js v\d+\.\d+\.\d+")]
    private static partial Regex PlotlyHeaderRegex();
}
