namespace SideEye.Notebooks.Tests;

/// <summary>One output of a cell: what a front end shows, by MIME type (text/html, text/plain, text/csv…).</summary>
sealed record CellOutput(IReadOnlyDictionary<string, string> Data)
{
    public string? this[string mimeType] => Data.GetValueOrDefault(mimeType);
}

/// <summary>A code cell after it ran: its source, its outputs in order, and the errors it reported (none if it worked).</summary>
sealed record ExecutedCell(int Index, string Source, IReadOnlyList<CellOutput> Outputs, IReadOnlyList<string> Errors)
{
    /// <summary>Every HTML output, in order.</summary>
    public string Html => string.Concat(Outputs.Select(o => o["text/html"] ?? ""));

    /// <summary>Every plain-text output and stream text, in order.</summary>
    public string Text => string.Join("\n", Outputs.Select(o => o["text/plain"]).OfType<string>());
}

/// <summary>A notebook's code cells after a run, however it was run (in-process kernel or Jupyter).</summary>
sealed record ExecutedNotebook(string Name, IReadOnlyList<ExecutedCell> Cells)
{
    /// <summary>The one code cell whose source starts with this text; fails the test if there is not exactly one.</summary>
    public ExecutedCell Cell(string sourceStart)
    {
        var matching = Cells.Where(c => c.Source.TrimStart().StartsWith(sourceStart, StringComparison.Ordinal)).ToArray();
        Assert.True(matching.Length == 1, $"{Name}: {matching.Length} code cells start with '{sourceStart}'");
        return matching[0];
    }

    /// <summary>Fails the test with every cell that reported an error, its source and its errors.</summary>
    public void AssertNoCellFailed()
    {
        var failed = Cells.Where(c => c.Errors.Count > 0).ToArray();
        Assert.True(failed.Length == 0, $"{Name}: {failed.Length} cell(s) failed:\n" + string.Join("\n\n", failed.Select(c =>
            $"cell {c.Index}:\n{c.Source}\n→ {string.Join("\n→ ", c.Errors)}")));
        Assert.NotEmpty(Cells);
    }
}
