namespace SideEye.Binary;

/// <summary>A binary that cannot be read as the Go ELF executable it claims to be.</summary>
public sealed class BinaryFormatException : SideEyeException
{
    public BinaryFormatException(string file, string problem, string? section = null, long? offset = null, Exception? inner = null)
        : base(Describe(file, problem, section, offset), inner)
    {
        File = file;
        Section = section;
        Offset = offset;
    }

    public string File { get; }
    public string? Section { get; }
    public long? Offset { get; }

    static string Describe(string file, string problem, string? section, long? offset)
    {
        var where = section is null ? "" : offset is null ? $" (section {section})" : $" (section {section}, offset 0x{offset:x})";
        return $"{file}: {problem}{where}";
    }
}
