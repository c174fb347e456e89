namespace SideEye.Interactive.Sql;

/// <summary>
/// Checks the #!KERNEL lines of a cell that the framework passes over: it drops a stray word and a --name without
/// a value without a word, and the cell would then run without keeping what was asked to be kept.
/// </summary>
static class SqlDirectiveLine
{
    static readonly string[] Options = ["--name", "--table", "--description"];

    /// <summary>The first problem with a line of <paramref name="cell"/> that chooses the kernel, or null.</summary>
    public static string? FirstProblem(string kernelName, string cell)
    {
        foreach (var line in cell.Split('\n'))
        {
            var words = Words(line.Trim());
            if (words.Count == 0 || words[0] != "#!" + kernelName) continue;
            for (var i = 1; i < words.Count; i++)
            {
                if (!Options.Contains(words[i])) return $"unexpected '{words[i]}' after #!{kernelName} (it takes {string.Join(", ", Options.Select(o => o + " " + o[2..].ToUpperInvariant()))})";
                if (i + 1 >= words.Count || words[i + 1].StartsWith("--", StringComparison.Ordinal)) return $"{words[i]} needs a value";
                i++;
            }
        }
        return null;
    }

    /// <summary>Splits at white space, keeping a "double-quoted value" as one word with its quotes, as the framework binds it.</summary>
    static List<string> Words(string line)
    {
        var words = new List<string>();
        var i = 0;
        while (i < line.Length)
        {
            if (char.IsWhiteSpace(line[i])) { i++; continue; }
            var start = i;
            if (line[i] == '"')
            {
                var end = line.IndexOf('"', i + 1);
                i = end < 0 ? line.Length : end + 1;
            }
            else
            {
                while (i < line.Length && !char.IsWhiteSpace(line[i])) i++;
            }
            words.Add(line[start..i]);
        }
        return words;
    }
}
