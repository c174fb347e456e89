namespace SideEye.Probes.Specs;

/// <summary>
/// A Go expression to capture, the subset a snapshot can evaluate without running code: names (parameters,
/// locals, package variables such as <c>main.config</c> or <c>net/http.DefaultClient</c>), field access (through
/// pointers too), <c>*p</c>, indexing with a constant (<c>xs[0]</c>, <c>m["key"]</c>), <c>len(x)</c>, <c>cap(x)</c>, and
/// type assertions on interfaces (<c>stream.st.(*transport.http2Server).remoteAddr</c>).
/// </summary>
public abstract record CaptureExpression
{
    /// <summary>Column (1-based) in the expression text where this part starts, for error messages.</summary>
    public int Column { get; init; }

    public static CaptureExpression Parse(string text) => CaptureExpressionParser.Parse(text);
}

/// <summary>A name: a parameter or local, or the first part of a package-qualified variable.</summary>
public sealed record NameExpression(string Name) : CaptureExpression
{
    public override string ToString() => Name;
}

/// <summary><c>x.f</c>; through a pointer as in Go.</summary>
public sealed record FieldExpression(CaptureExpression Target, string Field) : CaptureExpression
{
    public override string ToString() => $"{DerefExpression.Paren(Target)}.{Field}";
}

/// <summary><c>*x</c>.</summary>
public sealed record DerefExpression(CaptureExpression Target) : CaptureExpression
{
    public override string ToString() => $"*{Paren(Target)}";
    internal static string Paren(CaptureExpression e) => e is DerefExpression ? $"({e})" : e.ToString()!;
}

/// <summary><c>x[3]</c> or <c>m["key"]</c>: <see cref="Key"/> is a long or a string.</summary>
public sealed record IndexExpression(CaptureExpression Target, object Key) : CaptureExpression
{
    public override string ToString() => $"{DerefExpression.Paren(Target)}[{(Key is string s ? System.Text.Json.JsonSerializer.Serialize(s) : Key)}]";
}

/// <summary>
/// <c>x.(T)</c>: the value an interface holds, as type <see cref="TypeName"/> (a Go type as DWARF names it, or the end
/// of such a name: <c>*transport.http2Server</c>). Checked against the interface's dynamic type when decoded: an
/// interface holding another type gives no value, never a misread one.
/// </summary>
public sealed record TypeAssertExpression(CaptureExpression Target, string TypeName) : CaptureExpression
{
    public override string ToString() => $"{DerefExpression.Paren(Target)}.({TypeName})";
}

/// <summary><c>len(x)</c> or <c>cap(x)</c>.</summary>
public sealed record BuiltinExpression(string Function, CaptureExpression Argument) : CaptureExpression
{
    public override string ToString() => $"{Function}({Argument})";
}
