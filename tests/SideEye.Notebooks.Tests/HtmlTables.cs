using System.Net;
using System.Text.RegularExpressions;

namespace SideEye.Notebooks.Tests;

/// <summary>One HTML table of a cell's output, as text: its header cells and its rows.</summary>
sealed record HtmlTable(IReadOnlyList<string> Header, IReadOnlyList<IReadOnlyList<string>> Rows)
{
    /// <summary>The cell in the named column of a row.</summary>
    public string Cell(IReadOnlyList<string> row, string column)
    {
        var i = Header.ToList().IndexOf(column);
        Assert.True(i >= 0, $"no column '{column}' among {string.Join(", ", Header)}");
        return row[i];
    }
}

/// <summary>
/// The tables in an output's HTML, good enough for what the notebooks show (the extension's views and the kernel's
/// tabular formatter): tables not nested in tables, cells reduced to their text.
/// </summary>
static partial class HtmlTables
{
    public static IReadOnlyList<HtmlTable> In(string html) =>
        TableRegex().Matches(html).Select(table =>
        {
            var rows = RowRegex().Matches(table.Value)
                .Select(row => (IReadOnlyList<string>)CellRegex().Matches(row.Value).Select(c => Text(c.Groups[2].Value)).ToArray())
                .ToList();
            var header = rows.Count > 0 ? rows[0] : [];
            return new HtmlTable(header, rows.Skip(1).ToArray());
        }).ToArray();

    /// <summary>The first table whose header has all these columns; fails the test if there is none.</summary>
    public static HtmlTable WithColumns(string html, params string[] columns)
    {
        var table = In(html).FirstOrDefault(t => columns.All(t.Header.Contains));
        Assert.True(table is not null, $"no table with columns {string.Join(", ", columns)} in: {Shorten(html)}");
        return table;
    }

    /// <summary>An element's text: style sheets and scripts dropped, tags dropped (a line break becomes a newline), entities decoded, spaces trimmed.</summary>
    public static string Text(string html) =>
        WebUtility.HtmlDecode(TagRegex().Replace(BreakRegex().Replace(NotShownRegex().Replace(html, ""), "\n"), "")).Trim();

    public static string Shorten(string text) => text.Length <= 2000 ? text : text[..2000] + $"… ({text.Length} characters)";

    [GeneratedRegex(@"<table\b.*?</table>", RegexOptions.Singleline | RegexOptions.IgnoreCase)]
    private static partial Regex TableRegex();
    [GeneratedRegex(@"<tr\b.*?</tr>", RegexOptions.Singleline | RegexOptions.IgnoreCase)]
    private static partial Regex RowRegex();
    [GeneratedRegex(@"<(t[dh])\b[^>]*>(.*?)</\1>", RegexOptions.Singleline | RegexOptions.IgnoreCase)]
    private static partial Regex CellRegex();
    [GeneratedRegex(@"<[^>]*>", RegexOptions.Singleline)]
    private static partial Regex TagRegex();
    [GeneratedRegex(@"<(style|script)\b.*?</\1>", RegexOptions.Singleline | RegexOptions.IgnoreCase)]
    private static partial Regex NotShownRegex();
    [GeneratedRegex(@"<br\s*/?>", RegexOptions.IgnoreCase)]
    private static partial Regex BreakRegex();
}
