namespace SideEye.Probes.Specs;

/// <summary>The captures for one program, matched by its executable's file name; <see cref="Limits"/> null: the spec's.</summary>
public sealed record ProgramCaptures(string Binary, IReadOnlyList<FunctionCapture> Functions, CaptureLimits? Limits = null)
{
    public bool Equals(ProgramCaptures? other) =>
        other is not null && Binary == other.Binary && Functions.SequenceEqual(other.Functions) && Equals(Limits, other.Limits);
    public override int GetHashCode() => HashCode.Combine(Binary, Functions.Count);

    public bool Matches(string executablePath) => string.Equals(Path.GetFileName(executablePath), Binary, StringComparison.Ordinal);
}
