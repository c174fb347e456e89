using SideEye.Binary.Elf;

namespace SideEye.Binary.DebugInfo;

/// <summary>
/// What looking for an executable's separate debug file came to: the file (and where it was found), or nothing, and
/// in both cases every place tried with why it did not count, so an error can say where debug info was looked for.
/// </summary>
public sealed record DebugFileSearch(ElfImage? Found, string? FoundAt, IReadOnlyList<string> Tried)
{
    /// <summary>The places tried, in one line.</summary>
    public string Describe() => Tried.Count == 0 ? "nowhere (no debug directories or servers configured)" : string.Join("; ", Tried);
}
