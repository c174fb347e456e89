using System.Text;

namespace SideEye.Snapshots.Store;

/// <summary>
/// Table names for captured functions, readable in SQL without quotes: the Go name with its type arguments
/// dropped, words split at case changes, and every run of other characters one underscore, all lowercase.
/// <c>main.(*server).handle</c> → <c>main_server_handle</c>, <c>net/http.(*conn).serve</c> →
/// <c>net_http_conn_serve</c>, <c>main.Map[...].Get</c> → <c>main_map_get</c>, <c>main.handleHTTPRequest</c>
/// → <c>main_handle_http_request</c>. Different functions can derive the same name (two instantiations, or
/// <c>a/b.c</c> and <c>a.b_c</c>): the later one gets <c>_2</c>, <c>_3</c>, …, and capture_tables keeps the choice.
/// </summary>
static class CaptureTableName
{
    public static string Derive(string function)
    {
        ArgumentException.ThrowIfNullOrEmpty(function);
        var name = new StringBuilder(function.Length + 8);
        var depth = 0;
        var pendingBreak = false;
        for (var i = 0; i < function.Length; i++)
        {
            var c = function[i];
            // Type arguments, "[...]" or spelled out shapes, say which instantiation; the table is the function's.
            if (c == '[') { depth++; pendingBreak = true; continue; }
            if (c == ']') { if (depth > 0) depth--; continue; }
            if (depth > 0) continue;
            if (!char.IsAsciiLetterOrDigit(c)) { pendingBreak = true; continue; }
            if (char.IsAsciiLetterUpper(c) && i > 0 && WordStartsAt(function, i)) pendingBreak = true;
            if (pendingBreak && name.Length > 0) name.Append('_');
            pendingBreak = false;
            name.Append(char.ToLowerInvariant(c));
        }
        if (name.Length == 0) return "f";
        // An identifier may not start with a digit.
        return char.IsAsciiDigit(name[0]) ? "f_" + name : name.ToString();
    }

    /// <summary>An upper-case letter begins a word after a lower-case letter or digit (handleRequest), or ends an acronym before one (HTTPServer).</summary>
    static bool WordStartsAt(string s, int i)
    {
        var before = s[i - 1];
        if (char.IsAsciiLetterLower(before) || char.IsAsciiDigit(before)) return true;
        return char.IsAsciiLetterUpper(before) && i + 1 < s.Length && char.IsAsciiLetterLower(s[i + 1]);
    }

    /// <summary>The first of name, name_2, name_3, … that is not taken (compared case-insensitively, as DuckDB does).</summary>
    public static string Unique(string name, Func<string, bool> taken)
    {
        if (!taken(name)) return name;
        for (var n = 2; ; n++)
        {
            var candidate = $"{name}_{n}";
            if (!taken(candidate)) return candidate;
        }
    }
}
