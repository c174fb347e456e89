namespace SideEye.Fleet.Files;

/// <summary>
/// A fleet file that cannot be used, in one line as compilers write it: <c>FILE:LINE:COLUMN: what</c>, LINE and
/// COLUMN counted from 1 (COLUMN in characters) at the key or value at fault.
/// </summary>
public sealed class FleetFileException : SideEyeException
{
    public FleetFileException(string file, int line, int column, string why, Exception? inner = null)
        : base($"{file}:{line}:{column}: {why}", inner)
    {
        File = file;
        Line = line;
        Column = column;
        Why = why;
    }

    public string File { get; }
    public int Line { get; }
    public int Column { get; }
    /// <summary>The problem without its place.</summary>
    public string Why { get; }
}
