namespace SideEye.GoRuntime.Layouts;

/// <summary>
/// Where a runtime model's numbers came from: the binary's DWARF, or (without it) shipped layout data for
/// <see cref="LayoutRelease"/> with the globals found in machine code. Reads through a model not from DWARF are
/// checked for plausibility before anything is shown (see Goroutines.RuntimePlausibility); <see cref="Borrowed"/>
/// says the layout is another patch release's.
/// </summary>
public sealed record RuntimeModelOrigin(string? LayoutRelease, bool Borrowed)
{
    public static readonly RuntimeModelOrigin Dwarf = new(null, false);

    public bool FromDwarf => LayoutRelease is null;

    public override string ToString() => LayoutRelease switch
    {
        null => "DWARF",
        var r when Borrowed => $"{r}'s layout data (no layout shipped for this exact release), globals from machine code",
        var r => $"{r}'s layout data, globals from machine code",
    };
}
