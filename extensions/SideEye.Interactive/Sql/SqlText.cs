using System.Globalization;
using System.Text;

namespace SideEye.Interactive.Sql;

/// <summary>A result set as plain text, for front ends without HTML: columns aligned, long values cut, NULL spelled out.</summary>
static class SqlText
{
    /// <summary>Widest a column gets; longer values end in "…".</summary>
    const int MaxWidth = 60;

    public static string Of(SqlResultSet result, int shownRows, string? keptAs)
    {
        var rows = result.Rows.Take(shownRows).Select(r => r.Select(Cell).ToArray()).ToList();
        var widths = result.Columns.Select((c, i) => Math.Max(c.Name.Length, rows.Select(r => r[i].Length).DefaultIfEmpty(0).Max())).ToArray();
        var numeric = result.Columns.Select(c => SqlHtml.IsNumber(c.ValueType)).ToArray();
        var text = new StringBuilder();
        void Line(IReadOnlyList<string> cells, bool header)
        {
            for (var i = 0; i < cells.Count; i++)
            {
                if (i > 0) text.Append(" | ");
                text.Append(numeric[i] && !header ? cells[i].PadLeft(widths[i]) : cells[i].PadRight(widths[i]));
            }
            text.Append('\n');
        }
        Line(result.Columns.Select(c => c.Name).ToArray(), header: true);
        text.Append(string.Join("-+-", widths.Select(w => new string('-', w)))).Append('\n');
        foreach (var row in rows) Line(row, header: false);
        return text.Append(Footer(result, shownRows, keptAs)).ToString();
    }

    /// <summary>"3 rows", or how many of how many are shown and where the rest are.</summary>
    public static string Footer(SqlResultSet result, int shownRows, string? keptAs)
    {
        var total = result.RowCount;
        string Rows(long n) => n.ToString("N0", CultureInfo.InvariantCulture) + (n == 1 ? " row" : " rows");
        var kept = keptAs is null ? "" : $"; kept as {keptAs}";
        if (total <= shownRows) return Rows(total) + kept;
        return $"first {Rows(shownRows)} of {total.ToString("N0", CultureInfo.InvariantCulture)}" +
               (keptAs is null ? "; add --name NAME to keep them all for C# (#!share)" : $"; all are kept as {keptAs}");
    }

    static string Cell(object? value)
    {
        var text = SqlValueText.Of(value).ReplaceLineEndings("⏎");
        return text.Length <= MaxWidth ? text : text[..(MaxWidth - 1)] + "…";
    }
}
