using Microsoft.DotNet.Interactive.Directives;

namespace SideEye.Interactive.Directives;

/// <summary>
/// Reads #!sideeye lines the way the extension means them. The framework binds what it knows and silently drops
/// the rest (an unknown option, a stray word, a repeated option, all but one positional word), so the handlers
/// check the submitted text with this and fail rather than act on half of what was asked; subcommands that take
/// words (capture's Go expressions, spec's action) read them from here too.
/// </summary>
static class DirectiveLineCheck
{
    /// <summary>The first problem in any line of <paramref name="code"/> that invokes <paramref name="root"/>, or null.</summary>
    /// <param name="takesWords">Subcommands whose lines may hold words besides their options.</param>
    public static string? FirstProblem(KernelActionDirective root, string code, IReadOnlySet<string> takesWords)
    {
        foreach (var raw in code.Split('\n'))
        {
            var words = Words(raw.Trim());
            if (words.Count == 0 || words[0] != root.Name) continue;
            if (Problem(root, words, takesWords) is { } problem) return $"{root.Name}: {problem}";
        }
        return null;
    }

    /// <summary>For each line of <paramref name="code"/> invoking <paramref name="subcommand"/>, in order: its words after the subcommand.</summary>
    public static IReadOnlyList<IReadOnlyList<string>> Invocations(KernelActionDirective root, string code, string subcommand) =>
        code.Split('\n').Select(raw => Words(raw.Trim()))
            .Where(w => w.Count >= 2 && w[0] == root.Name && w[1] == subcommand)
            .Select(w => (IReadOnlyList<string>)w.Skip(2).ToArray())
            .ToArray();

    static string? Problem(KernelActionDirective root, List<string> words, IReadOnlySet<string> takesWords)
    {
        if (words.Count == 1) return null; // the root alone shows help
        var known = string.Join(", ", root.Subcommands.Select(s => s.Name));
        var sub = root.Subcommands.FirstOrDefault(s => s.Name == words[1]);
        if (sub is null)
            return words[1].StartsWith('-') ? $"expected a subcommand before '{words[1]}' (known: {known})" : $"unknown subcommand '{words[1]}' (known: {known})";
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 2; i < words.Count; i++)
        {
            var word = words[i];
            var parameter = sub.Parameters.FirstOrDefault(p => p.Name == word);
            if (parameter is null)
            {
                var options = sub.Parameters.Count == 0 ? "it takes none" : "known: " + string.Join(", ", sub.Parameters.Select(p => p.Name));
                if (word.StartsWith("--", StringComparison.Ordinal)) return $"unknown option '{word}' for {sub.Name} ({options})";
                if (takesWords.Contains(sub.Name)) continue;
                // A parameter that may go without its name (connect URL, fleet FILE) takes the first bare word.
                if (sub.Parameters.FirstOrDefault(p => p.AllowImplicitName) is { } implicitly && seen.Add(implicitly.Name)) continue;
                return $"unexpected argument '{word}' for {sub.Name}";
            }
            if (!seen.Add(word) && parameter.MaxOccurrences <= 1) return $"{word} given twice for {sub.Name}{(word == "--pid" ? "; list several as --pid 1,2" : "")}";
            if (parameter.Flag) continue;
            if (i + 1 >= words.Count || words[i + 1].StartsWith("--", StringComparison.Ordinal)) return $"{word} needs a value";
            i++;
        }
        return null;
    }

    /// <summary>
    /// Splits at spaces outside brackets and string literals, so a Go expression such as <c>m["a b"][0]</c> is one
    /// word. A word wholly in double quotes loses them (and its escapes): <c>--note "two words"</c>.
    /// </summary>
    public static List<string> Words(string line)
    {
        var words = new List<string>();
        var i = 0;
        while (i < line.Length)
        {
            if (char.IsWhiteSpace(line[i])) { i++; continue; }
            if (line[i] == '"' && QuotedWordEnd(line, i) is { } end)
            {
                words.Add(line[(i + 1)..end].Replace("\\\"", "\"", StringComparison.Ordinal).Replace("\\\\", "\\", StringComparison.Ordinal));
                i = end + 1;
                continue;
            }
            var start = i;
            var depth = 0;
            while (i < line.Length && (depth > 0 || !char.IsWhiteSpace(line[i])))
            {
                switch (line[i])
                {
                    case '"': i = StringEnd(line, i, '"'); break;
                    case '`': i = StringEnd(line, i, '`'); break;
                    case '(' or '[' or '{': depth++; break;
                    case ')' or ']' or '}': depth = Math.Max(0, depth - 1); break;
                }
                i++;
            }
            words.Add(line[start..Math.Min(i, line.Length)]);
        }
        return words;
    }

    /// <summary>Where the quote opened at <paramref name="open"/> closes, when whitespace or the line's end follows it.</summary>
    static int? QuotedWordEnd(string line, int open)
    {
        var end = StringEnd(line, open, '"');
        return end < line.Length && (end + 1 == line.Length || char.IsWhiteSpace(line[end + 1])) ? end : null;
    }

    /// <summary>The index of the quote closing the string opened at <paramref name="open"/>, or the line's length.</summary>
    static int StringEnd(string line, int open, char quote)
    {
        for (var i = open + 1; i < line.Length; i++)
        {
            if (quote == '"' && line[i] == '\\') { i++; continue; }
            if (line[i] == quote) return i;
        }
        return line.Length;
    }
}
