using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using static System.Net.WebUtility;

namespace SideEye.Interactive.Sql;

/// <summary>
/// A result set as an HTML table: each column with its SQL type, NULL styled apart from text (an empty string is an
/// empty cell), numbers to the right, JSON objects and arrays (captured values) as they are when short and
/// folded, indented, when long. At most the first rows; a line under the table says how many there are.
/// </summary>
static class SqlHtml
{
    /// <summary>JSON longer than this is folded: the summary shows its start, the open fold the indented whole.</summary>
    const int JsonInline = 120;

    const string Style =
        "<style>.sideeye-sql td{white-space:pre-wrap;vertical-align:top;text-align:left !important}.sideeye-sql td.num{text-align:right !important}" +
        ".sideeye-sql .null{color:#888;font-style:italic}.sideeye-sql th small{font-weight:normal;color:#888}" +
        ".sideeye-sql pre{margin:0}</style>";

    /// <param name="shownRows">How many rows to show at most.</param>
    /// <param name="keptAs">The name the result is kept under (--name), if any.</param>
    public static string Of(SqlResultSet result, int shownRows, string? keptAs)
    {
        var html = new StringBuilder("<div class=\"sideeye-sql\">").Append(Style).Append("<table><thead><tr>");
        foreach (var c in result.Columns) html.Append("<th>").Append(HtmlEncode(c.Name)).Append("<br><small>").Append(HtmlEncode(c.Type)).Append("</small></th>");
        html.Append("</tr></thead><tbody>");
        var numeric = result.Columns.Select(c => IsNumber(c.ValueType)).ToArray();
        foreach (var row in result.Rows.Take(shownRows))
        {
            html.Append("<tr>");
            for (var i = 0; i < row.Length; i++) html.Append(Cell(row[i], numeric[i]));
            html.Append("</tr>");
        }
        html.Append("</tbody></table><p>").Append(HtmlEncode(SqlText.Footer(result, shownRows, keptAs))).Append("</p></div>");
        return html.ToString();
    }

    static string Cell(object? value, bool numeric)
    {
        if (value is null) return "<td class=\"null\">NULL</td>";
        var text = SqlValueText.Of(value);
        var open = numeric ? "<td class=\"num\">" : "<td>";
        if (value is string s && IndentedJson(s) is { } indented)
        {
            return text.Length <= JsonInline
                ? $"{open}<code>{HtmlEncode(text)}</code></td>"
                : $"{open}<details><summary><code>{HtmlEncode(text[..(JsonInline - 20)])}…</code></summary><pre>{HtmlEncode(indented)}</pre></details></td>";
        }
        return open + HtmlEncode(text) + "</td>";
    }

    /// <summary>
    /// The text indented, if it is a JSON object or array. DuckDB.NET reports a JSON column as VARCHAR, so the
    /// value says what it is; other JSON (a number, a quoted string) reads well as it is.
    /// </summary>
    static string? IndentedJson(string text)
    {
        var trimmed = text.AsSpan().Trim();
        if (trimmed.Length < 2 || !((trimmed[0] == '{' && trimmed[^1] == '}') || (trimmed[0] == '[' && trimmed[^1] == ']'))) return null;
        try
        {
            using var document = JsonDocument.Parse(text);
            using var buffer = new MemoryStream();
            using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
                document.RootElement.WriteTo(writer);
            return Encoding.UTF8.GetString(buffer.ToArray());
        }
        catch (JsonException)
        {
            return null;
        }
    }

    internal static bool IsNumber(Type type) =>
        Type.GetTypeCode(Nullable.GetUnderlyingType(type) ?? type) is >= TypeCode.SByte and <= TypeCode.Decimal || type == typeof(BigInteger);
}
