namespace SideEye.Probes.Specs;

/// <summary>The captures for one program, matched by its executable's file name; <see cref="Limits"/> null: the spec's.</summary>
public sealed record ProgramCaptures(string Binary, IReadOnlyList<FunctionCapture> Functions, CaptureLimits? Limits = null)
{
    public bool Equals(ProgramCaptures? other) =>
        other is not null && Binary == other.Binary && Functions.SequenceEqual(other.Functions) && Equals(Limits, other.Limits);
    public override int GetHashCode() => HashCode.Combine(Binary, Functions.Count);

    public bool Matches(string executablePath) => string.Equals(ProgramName(executablePath), Binary, StringComparison.Ordinal);

    /// <summary>
    /// The name a spec (and --exe) means a process's executable by: its file name. A binary replaced on disk since
    /// the process started reads "NAME (deleted)" in /proc: it is still NAME.
    /// </summary>
    public static string ProgramName(string executablePath)
    {
        ArgumentNullException.ThrowIfNull(executablePath);
        const string deleted = " (deleted)";
        var name = Path.GetFileName(executablePath);
        return name.EndsWith(deleted, StringComparison.Ordinal) ? name[..^deleted.Length] : name;
    }
}
