namespace SideEye.Probes.Specs;

/// <summary>
/// A capture spec that cannot work, said in one line: where (spec file, function, expression, column) and why,
/// with a suggestion when there is one ("did you mean …", "it has: …").
/// </summary>
public sealed class CaptureSpecException(string where, string why, string? suggestion = null)
    : SideEyeException($"{where}: {why}{(suggestion is null ? "" : $" ({suggestion})")}")
{
    public string Where { get; } = where;
    public string Why { get; } = why;
    public string? Suggestion { get; } = suggestion;
}
