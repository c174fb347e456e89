using System.Text.RegularExpressions;
using SideEye.Testing;

namespace SideEye.Notebooks.Tests;

/// <summary>The notebooks under notebooks/ and what their load cells ask for.</summary>
static partial class NotebookFiles
{
    public static string Directory => Path.Combine(RepoPaths.Root, "notebooks");

    /// <summary>Every .ipynb and .dib file in notebooks/, by file name.</summary>
    public static IReadOnlyList<string> All =>
        System.IO.Directory.EnumerateFiles(Directory)
            .Where(f => f.EndsWith(".ipynb", StringComparison.Ordinal) || f.EndsWith(".dib", StringComparison.Ordinal))
            .Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToArray();

    public static TheoryData<string> Data
    {
        get
        {
            var data = new TheoryData<string>();
            foreach (var name in All) data.Add(name);
            return data;
        }
    }

    public static string PathOf(string name) => Path.Combine(Directory, name);

    /// <summary>The package sources (#i "nuget: …") a notebook adds.</summary>
    public static IReadOnlyList<string> Sources(string name) =>
        SourceRegex().Matches(File.ReadAllText(PathOf(name))).Select(m => m.Groups[1].Value.Trim()).ToArray();

    /// <summary>The versions of SideEye.Interactive a notebook asks for (#r "nuget: SideEye.Interactive, V").</summary>
    public static IReadOnlyList<string> ExtensionVersions(string name) =>
        ReferenceRegex().Matches(File.ReadAllText(PathOf(name))).Select(m => m.Groups[1].Value.Trim()).ToArray();

    // In .ipynb the quotes are JSON-escaped.
    [GeneratedRegex(@"#i \\?""nuget:\s*([^""\\]+)\\?""")]
    private static partial Regex SourceRegex();
    [GeneratedRegex(@"#r \\?""nuget:\s*SideEye\.Interactive\s*,\s*([^""\\]+)\\?""")]
    private static partial Regex ReferenceRegex();
}
