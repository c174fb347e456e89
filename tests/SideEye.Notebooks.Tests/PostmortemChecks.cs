using System.Globalization;
using System.Text.RegularExpressions;

namespace SideEye.Notebooks.Tests;

/// <summary>
/// What notebooks/postmortem.ipynb must show after a run against the demo leaking a main.fetch every 100 ms: two
/// snapshots of the demo stored and reopened, the diff naming main.fetch as the group that grew, that group's values
/// made the way the demo makes them (url from id), the first call's id 1 still there (nothing ever returns), and a
/// growth the SQL and C# cells agree on.
/// </summary>
static partial class PostmortemChecks
{
    public const string Notebook = "postmortem.ipynb";

    public static void Check(ExecutedNotebook notebook, DemoService demo)
    {
        notebook.AssertNoCellFailed();
        demo.AssertRunning();
        var pid = demo.Pid.ToString(CultureInfo.InvariantCulture);

        foreach (var note in new[] { "first look", "3 s later" })
        {
            var taken = HtmlTables.WithColumns(notebook.Cell($"#!sideeye snapshot --exe demo --db postmortem.duckdb --note \"incident: {note}\"").Html, "pid", "error", "captured");
            var row = Assert.Single(taken.Rows, r => taken.Cell(r, "pid") == pid);
            Assert.Equal("", taken.Cell(row, "error"));
            Assert.Matches(@"^\d+ values in \d+ frames", taken.Cell(row, "captured"));
        }

        var opened = HtmlTables.WithColumns(notebook.Cell("#!sideeye open").Html, "snapshot", "note");
        Assert.Equal(["incident: first look", "incident: 3 s later"], opened.Rows.TakeLast(2).Select(r => opened.Cell(r, "note")));

        // The leak is the biggest change, and only grows.
        var diff = HtmlTables.WithColumns(notebook.Cell("#!sideeye diff").Html, "change", "before", "after", "where");
        var leak = diff.Rows[0];
        Assert.Equal("main.fetch", diff.Cell(leak, "where"));
        Assert.StartsWith("grew +", diff.Cell(leak, "change"), StringComparison.Ordinal);
        // The after cell may go on with "in N processes on M hosts".
        Assert.True(LeadingCount(diff.Cell(leak, "after")) > int.Parse(diff.Cell(leak, "before"), CultureInfo.InvariantCulture));

        var stacks = notebook.Cell("#!sideeye stacks --filter main.fetch").Html;
        Assert.Contains("groups of identical stacks through main.fetch", HtmlTables.Text(stacks), StringComparison.Ordinal);
        var groups = HtmlTables.WithColumns(stacks, "goroutines", "where", "stack");
        Assert.Contains(groups.Rows, r => groups.Cell(r, "where") == "main.fetch" && groups.Cell(r, "stack").Contains("url = \"http://inventory.internal/items/", StringComparison.Ordinal));

        // One of them, its url made from its id.
        var one = HtmlTables.Text(notebook.Cell("#!sideeye goroutine --in main.fetch").Html);
        Assert.Matches(@"^goroutine \d+ \[chan receive", one);
        var id = FetchIdRegex().Match(one);
        Assert.True(id.Success, one);
        Assert.Contains($"url string = \"http://inventory.internal/items/{id.Groups[1].Value}\"", one, StringComparison.Ordinal);

        var growth = SqlTables.WithColumns(notebook.Cell("#!sideeye-sql --name growth").Html, "snapshot_id", "fetching", "oldest_id", "newest_id");
        var (before, after) = (growth.Rows[^2], growth.Rows[^1]);
        long Value(IReadOnlyList<string> row, string column) => long.Parse(growth.Cell(row, column), CultureInfo.InvariantCulture);
        Assert.Equal((1, 1), (Value(before, "oldest_id"), Value(after, "oldest_id")));
        Assert.True(Value(after, "newest_id") > Value(before, "newest_id"), "no newer main.fetch in the later snapshot");
        var grew = Value(after, "fetching") - Value(before, "fetching");
        Assert.True(grew > 0, $"main.fetch went from {Value(before, "fetching")} to {Value(after, "fetching")}");

        var rate = GrewRegex().Match(notebook.Cell("#!share --from sideeye-sql growth").Text);
        Assert.True(rate.Success, notebook.Cell("#!share --from sideeye-sql growth").Text);
        Assert.Equal(grew, long.Parse(rate.Groups[1].Value, CultureInfo.InvariantCulture));
    }

    [GeneratedRegex(@"id int64 = (\d+)")]
    private static partial Regex FetchIdRegex();
    [GeneratedRegex(@"main\.fetch grew by (\d+) goroutines in [\d.]+ s")]
    private static partial Regex GrewRegex();

    static int LeadingCount(string cell) => int.Parse(cell.Split([' ', '\n'], StringSplitOptions.RemoveEmptyEntries)[0], NumberStyles.None, CultureInfo.InvariantCulture);
}
