namespace SideEye.Probes.Specs;

/// <summary>
/// What a team asks to collect, once, for every snapshot: per program (by binary name), functions and the
/// expressions to capture in each of their frames; and, from format version 2, how the captured values are organized
/// (<see cref="Reports"/>: extra columns, derived tables, links). Immutable; the With/Without methods return edited
/// copies. Stored as JSON by <see cref="CaptureSpecFile"/>.
/// </summary>
public sealed record CaptureSpec(IReadOnlyList<ProgramCaptures> Programs, CaptureLimits Limits)
{
    /// <summary>The newest format this SideEye writes and reads; version 1 (captures only) is still read.</summary>
    public const int FormatVersion = 2;

    public static CaptureSpec Empty { get; } = new([], CaptureLimits.Default);

    /// <summary>Columns, derived tables and links over the captured values (format version 2); empty in a version 1 file.</summary>
    public ReportSpec Reports { get; init; } = ReportSpec.Empty;

    /// <summary>
    /// Whether every program also gets <see cref="Specs.BuiltInCaptures"/> (what the built-in request links need);
    /// a team whose pauses must be as short as possible turns them off (<c>"builtInCaptures": false</c>).
    /// </summary>
    public bool BuiltIns { get; init; } = true;

    public bool Equals(CaptureSpec? other) =>
        other is not null && Programs.SequenceEqual(other.Programs) && Limits == other.Limits && Reports.Equals(other.Reports) && BuiltIns == other.BuiltIns;
    public override int GetHashCode() => HashCode.Combine(Programs.Count, Limits);

    /// <summary>The program entry for an executable, or null.</summary>
    public ProgramCaptures? For(string executablePath) => Programs.FirstOrDefault(p => p.Matches(executablePath));

    /// <summary>Adds expressions to a function of a program (creating both as needed); ones already there are kept once.</summary>
    public CaptureSpec WithCapture(string binary, string function, params string[] expressions)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(binary);
        ArgumentException.ThrowIfNullOrWhiteSpace(function);
        foreach (var e in expressions) CaptureExpression.Parse(e); // refuse what cannot parse before it is stored
        var program = Programs.FirstOrDefault(p => p.Binary == binary) ?? new ProgramCaptures(binary, []);
        var existing = program.Functions.FirstOrDefault(f => f.Function == function);
        var merged = (existing?.Expressions ?? []).Concat(expressions).Distinct(StringComparer.Ordinal).ToArray();
        var functions = existing is null
            ? program.Functions.Append(new FunctionCapture(function, merged)).ToArray()
            : program.Functions.Select(f => f == existing ? new FunctionCapture(function, merged) : f).ToArray();
        return WithProgram(program with { Functions = functions });
    }

    /// <summary>Removes a function's captures (all of them, or the given expressions).</summary>
    public CaptureSpec WithoutCapture(string binary, string function, params string[] expressions)
    {
        if (Programs.FirstOrDefault(p => p.Binary == binary) is not { } program) return this;
        var functions = program.Functions
            .Select(f => f.Function != function ? f : expressions.Length == 0 ? null : f with { Expressions = f.Expressions.Except(expressions, StringComparer.Ordinal).ToArray() })
            .Where(f => f is { Expressions.Count: > 0 })
            .Select(f => f!)
            .ToArray();
        return functions.Length == 0
            ? this with { Programs = Programs.Where(p => p != program).ToArray() }
            : WithProgram(program with { Functions = functions });
    }

    CaptureSpec WithProgram(ProgramCaptures program)
    {
        var replaced = false;
        var programs = Programs.Select(p =>
        {
            if (p.Binary != program.Binary) return p;
            replaced = true;
            return program;
        }).ToList();
        if (!replaced) programs.Add(program);
        return this with { Programs = programs };
    }
}
