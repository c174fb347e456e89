namespace SideEye.Probes.Specs;

/// <summary>What to collect at every frame of one function: expressions as written (see <see cref="CaptureExpression"/>).</summary>
public sealed record FunctionCapture(string Function, IReadOnlyList<string> Expressions)
{
    /// <summary>
    /// Only in frames of the function that are calling this one (a built-in capture's choice, never a spec file's):
    /// net/http's connection goroutine is worth capturing only while a handler runs, not while the connection idles.
    /// </summary>
    public string? AtCallsTo { get; init; }

    public bool Equals(FunctionCapture? other) =>
        other is not null && Function == other.Function && Expressions.SequenceEqual(other.Expressions) && AtCallsTo == other.AtCallsTo;
    public override int GetHashCode() => HashCode.Combine(Function, Expressions.Count);
}
