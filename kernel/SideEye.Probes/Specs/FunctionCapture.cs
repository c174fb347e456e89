namespace SideEye.Probes.Specs;

/// <summary>What to collect at every frame of one function: expressions as written (see <see cref="CaptureExpression"/>).</summary>
public sealed record FunctionCapture(string Function, IReadOnlyList<string> Expressions)
{
    public bool Equals(FunctionCapture? other) => other is not null && Function == other.Function && Expressions.SequenceEqual(other.Expressions);
    public override int GetHashCode() => HashCode.Combine(Function, Expressions.Count);
}
