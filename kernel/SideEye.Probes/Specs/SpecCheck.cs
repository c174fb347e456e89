using SideEye.GoRuntime;

namespace SideEye.Probes.Specs;

/// <summary>One expression of a spec checked against a binary: its type, or why it cannot work.</summary>
public sealed record SpecCheckLine(string Function, string Expression, string? Type, string? Error);

/// <summary>Checks every capture of a program against its binary and reports each one, errors included, rather than stopping at the first.</summary>
public static class SpecCheck
{
    public static IReadOnlyList<SpecCheckLine> Check(ProgramCaptures program, GoBinary binary)
    {
        // Without debug info nothing can be captured: every expression says so, and where debug info was looked for.
        if (CaptureResolver.WithoutDebugInfo(binary) is { } why)
            return program.Functions.SelectMany(f => f.Expressions.Select(x => new SpecCheckLine(f.Function, x, null, why))).ToList();
        var resolver = new CaptureResolver(binary);
        var lines = new List<SpecCheckLine>();
        foreach (var function in program.Functions)
        {
            try { resolver.Function(function.Function); }
            catch (CaptureSpecException e)
            {
                lines.AddRange(function.Expressions.Select(x => new SpecCheckLine(function.Function, x, null, e.Message)));
                continue;
            }
            foreach (var expression in function.Expressions)
            {
                try { lines.Add(new SpecCheckLine(function.Function, expression, resolver.Resolve(function.Function, expression).TypeName, null)); }
                catch (CaptureSpecException e) { lines.Add(new SpecCheckLine(function.Function, expression, null, e.Message)); }
            }
        }
        return lines;
    }
}
