namespace SideEye.Binary.Pclntab;

/// <summary>
/// A symbolized PC: the function, source file and line. For a PC outside every function this is
/// <see cref="Unknown"/>, which prints the way <c>go tool addr2line</c> does ("?" and "?:0").
/// </summary>
public sealed record SourceLocation(string Function, string File, int Line)
{
    public static SourceLocation Unknown { get; } = new("?", "?", 0);

    /// <summary>"file:line", the second line of <c>go tool addr2line</c> output.</summary>
    public string FileLine => $"{File}:{Line}";
}
