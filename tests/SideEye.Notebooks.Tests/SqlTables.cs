namespace SideEye.Notebooks.Tests;

/// <summary>The tables of a #!sideeye-sql cell, whose header cells also show each column's SQL type.</summary>
static class SqlTables
{
    /// <summary>The first table with all these columns, its header cells reduced to the column names.</summary>
    public static HtmlTable WithColumns(string html, params string[] columns)
    {
        var table = HtmlTables.In(html).Select(t => t with { Header = t.Header.Select(h => h.Split('\n')[0].Trim()).ToArray() })
            .FirstOrDefault(t => columns.All(t.Header.Contains));
        Assert.True(table is not null, $"no SQL table with columns {string.Join(", ", columns)} in: {HtmlTables.Shorten(html)}");
        return table;
    }
}
