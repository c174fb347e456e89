namespace SideEye.Probes.Specs;

/// <summary>
/// The value of <c>--capture FUNCTION=EXPR,EXPR,…</c>. The function ends at the first '=' (Go names have
/// none); the expressions are split at commas that are outside brackets, parentheses, braces and string
/// literals, so <c>m["a,b"]</c> and <c>len(x)</c> stay whole. Each expression is then parsed, so a typo is
/// reported here, naming the argument, rather than at the spec's first use.
/// </summary>
public static class CaptureArgument
{
    public static FunctionCapture Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var where = $"--capture '{text}'";
        var eq = text.IndexOf('=', StringComparison.Ordinal);
        if (eq < 0) throw new CaptureSpecException(where, "expected FUNCTION=EXPRESSION[,EXPRESSION…]", "e.g. 'main.(*server).handle=req.ID,req.URL.Path'");
        var function = text[..eq].Trim();
        if (function.Length == 0) throw new CaptureSpecException(where, "no function before '='");
        var expressions = Split(text[(eq + 1)..], where);
        foreach (var e in expressions)
        {
            try { CaptureExpression.Parse(e); }
            catch (CaptureSpecException p) { throw new CaptureSpecException(where, $"{p.Where}: {p.Why}"); }
        }
        return new FunctionCapture(function, expressions);
    }

    /// <summary>The expressions of a list, trimmed; an empty one (",," or a trailing comma) is an error.</summary>
    public static IReadOnlyList<string> Split(string list, string where)
    {
        var parts = new List<string>();
        var closers = new Stack<char>();
        var start = 0;
        for (var i = 0; i < list.Length; i++)
        {
            var c = list[i];
            switch (c)
            {
                case '"':
                    // An escaped quote does not end the string; an unterminated string runs to the end and the
                    // expression parser says what is wrong with it.
                    for (i++; i < list.Length && list[i] != '"'; i++)
                        if (list[i] == '\\') i++;
                    break;
                case '`':
                    i = list.IndexOf('`', i + 1) is var end and >= 0 ? end : list.Length;
                    break;
                case '(': closers.Push(')'); break;
                case '[': closers.Push(']'); break;
                case '{': closers.Push('}'); break;
                case ')' or ']' or '}':
                    if (closers.Count == 0 || closers.Peek() != c)
                        throw new CaptureSpecException(where, $"unbalanced '{c}' at column {i + 1} of \"{list}\"");
                    closers.Pop();
                    break;
                case ',' when closers.Count == 0:
                    parts.Add(Part(list, start, i, where));
                    start = i + 1;
                    break;
            }
        }
        if (closers.Count > 0) throw new CaptureSpecException(where, $"'{closers.Peek()}' is missing at the end of \"{list}\"");
        parts.Add(Part(list, start, list.Length, where));
        return parts;
    }

    static string Part(string list, int start, int end, string where)
    {
        var part = list[start..end].Trim();
        return part.Length > 0 ? part
            : throw new CaptureSpecException(where, list.Trim().Length == 0 ? "no expressions after '='" : $"an empty expression at column {start + 1} of \"{list}\"");
    }
}
