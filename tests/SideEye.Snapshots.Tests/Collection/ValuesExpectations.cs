using System.Text.Json.Nodes;
using SideEye.Probes.Specs;
using SideEye.Snapshots.Model;
using SideEye.Testing;
using Xunit.Abstractions;

namespace SideEye.Snapshots.Tests.Collection;

/// <summary>
/// What testdata/values prints it holds, as a capture spec and as the comparison of a snapshot's captured values with
/// it. Where the compiler kept no location for a parameter at the parked pc (a bool kept only boxed for KeepAlive, an
/// interface whose type word is dead), the row must say so ("not available at pc", "optimized away") rather than hold
/// anything; those are counted and bounded.
/// </summary>
internal static class ValuesExpectations
{
    /// <summary>Every parameter of every main.hold* function, and every package variable (read once, at main.holdScalars).</summary>
    public static CaptureSpec Spec(ValuesProgram program)
    {
        var spec = CaptureSpec.Empty;
        var binary = Path.GetFileName(program.BinaryPath);
        foreach (var (function, parameters) in program.Frames)
            spec = spec.WithCapture(binary, function, parameters!.AsObject().Where(p => !IsSkip(p.Value)).Select(p => p.Key).ToArray());
        return spec.WithCapture(binary, "main.holdScalars", [.. Globals(program), "main.gHugeMap"]);
    }

    /// <summary>The values that differ from what the program printed (an unread one among them), one line each; and how many were compared.</summary>
    public static (int Compared, List<string> Mismatches, List<string> Unavailable) Compare(ValuesProgram program, IReadOnlyList<CapturedValue> captures)
    {
        var mismatches = new List<string>();
        var unavailable = new List<string>();
        var compared = 0;
        foreach (var (function, parameters) in program.Frames)
        {
            foreach (var (name, expected) in parameters!.AsObject().Where(p => !IsSkip(p.Value)))
                compared += Compare(captures, function, name, expected, mismatches, unavailable);
        }
        foreach (var name in Globals(program)) compared += Compare(captures, "main.holdScalars", name, program.Globals[name], mismatches, unavailable);
        return (compared, mismatches, unavailable);
    }

    /// <summary>Every value equal to what the program printed, the 100,000-entry map and the 1 MiB string cut as the limits say.</summary>
    public static void AssertEqual(ValuesProgram program, IReadOnlyList<CapturedValue> captures, ITestOutputHelper output)
    {
        var release = program.Toolchain.Release;
        var (compared, mismatches, unavailable) = Compare(program, captures);
        // The 100,000-entry map (its sample depends on hashing): cut, marked with its full length, every entry true.
        var huge = JsonNode.Parse(captures.Single(c => c.Expression == "main.gHugeMap").ValueJson!)!.AsObject();
        Assert.Equal(ValuesProgram.HugeMapEntries, (int)huge["$len"]!);
        var entries = huge["$entries"]!.AsObject();
        Assert.NotEmpty(entries);
        Assert.All(entries, e => Assert.Equal("k" + (int)e.Value!, e.Key));
        // The 1 MiB string: its first 512 bytes, marked with the full length.
        var hugeString = JsonNode.Parse(captures.Single(c => c.Expression == "main.gHugeString").ValueJson!)!.AsObject();
        Assert.Equal(1 << 20, (int)hugeString["$len"]!);
        Assert.Equal(new string('x', 512), (string)hugeString["$str"]!);
        foreach (var m in mismatches) output.WriteLine(m);
        foreach (var u in unavailable) output.WriteLine("no location: " + u);
        Assert.True(unavailable.Count <= 10, $"go{release}: {unavailable.Count} values without a location: {string.Join("; ", unavailable)}");
        Assert.True(mismatches.Count == 0, $"go{release}: {mismatches.Count} of {compared} values differ; first: {mismatches.FirstOrDefault()}");
        Assert.True(compared > 40, $"only {compared} compared");
    }

    static string[] Globals(ValuesProgram program) => program.Globals.Where(g => !IsSkip(g.Value)).Select(g => g.Key).ToArray();

    static int Compare(IReadOnlyList<CapturedValue> captures, string function, string expression, JsonNode? expected, List<string> mismatches, List<string> unavailable)
    {
        var found = captures.Where(c => c.Function == function && c.Expression == expression).ToArray();
        if (found.Length != 1)
        {
            mismatches.Add($"{function} {expression}: {found.Length} rows");
            return 1;
        }
        var c = found[0];
        if (c.ValueJson is null && c.Unavailable is { } why && (why.StartsWith("not available at pc", StringComparison.Ordinal) || why.StartsWith("optimized away", StringComparison.Ordinal)))
            unavailable.Add($"{function} {expression}: {why}");
        else if (c.ValueJson is null) mismatches.Add($"{function} {expression}: unavailable: {c.Unavailable}");
        else if (!JsonNode.DeepEquals(expected, JsonNode.Parse(c.ValueJson)))
            mismatches.Add($"{function} {expression}: expected {Cut(expected?.ToJsonString())}, captured {Cut(c.ValueJson)}");
        return 1;
    }

    static bool IsSkip(JsonNode? v) => v is JsonValue s && s.TryGetValue<string>(out var text) && text == "$skip";

    static string? Cut(string? s) => s is { Length: > 4000 } ? s[..4000] + "…" : s;
}
