using Microsoft.DotNet.Interactive.Directives;

namespace SideEye.Interactive.Directives;

/// <summary>
/// Checks #!sideeye lines against the directive's declared subcommands and parameters. The framework binds
/// what it knows and silently drops the rest (an unknown option, a stray word, a repeated option), so the
/// handlers run this over the submitted text and fail rather than act on half of what was asked.
/// </summary>
static class DirectiveLineCheck
{
    /// <summary>The first problem in any line of <paramref name="code"/> that invokes <paramref name="root"/>, or null.</summary>
    public static string? FirstProblem(KernelActionDirective root, string code)
    {
        foreach (var raw in code.Split('\n'))
        {
            var words = Words(raw.Trim());
            if (words.Count == 0 || words[0] != root.Name) continue;
            if (Problem(root, words) is { } problem) return $"{root.Name}: {problem}";
        }
        return null;
    }

    static string? Problem(KernelActionDirective root, List<string> words)
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
                return word.StartsWith('-') ? $"unknown option '{word}' for {sub.Name} ({options})" : $"unexpected argument '{word}' for {sub.Name}";
            }
            if (!seen.Add(word)) return $"{word} given twice for {sub.Name}{(word == "--pid" ? "; list several as --pid 1,2" : "")}";
            if (parameter.Flag) continue;
            if (i + 1 >= words.Count || words[i + 1].StartsWith("--", StringComparison.Ordinal)) return $"{word} needs a value";
            i++;
        }
        return null;
    }

    /// <summary>Splits at spaces, keeping a "double-quoted value" as one word without its quotes.</summary>
    static List<string> Words(string line)
    {
        var words = new List<string>();
        var i = 0;
        while (i < line.Length)
        {
            if (char.IsWhiteSpace(line[i])) { i++; continue; }
            if (line[i] == '"')
            {
                var end = line.IndexOf('"', i + 1);
                if (end < 0) end = line.Length;
                words.Add(line[(i + 1)..end]);
                i = end + 1;
                continue;
            }
            var start = i;
            while (i < line.Length && !char.IsWhiteSpace(line[i])) i++;
            words.Add(line[start..i]);
        }
        return words;
    }
}
