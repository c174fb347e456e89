using System.Text.Json.Nodes;
using SideEye.Binary.DebugInfo;
using SideEye.Probes.Specs;
using SideEye.Snapshots.Collection;
using SideEye.Testing;
using Xunit.Abstractions;

namespace SideEye.Snapshots.Tests.Collection;

/// <summary>
/// Every kind of Go value through the probe, on every toolchain: testdata/values parks goroutines in main.hold*
/// functions whose parameters hold scalars, strings, arrays, slices, structs, pointers with a cycle, generics,
/// maps (both layouts, struct keys, 100,000 entries), interfaces, errors, contexts, time, channels and funcs, and
/// prints the JSON each must come out as; a snapshot capturing every parameter (and every package variable, read
/// once per snapshot) must produce exactly that JSON. Where the compiler kept no location for a parameter at the
/// parked pc (a bool kept only boxed for KeepAlive, an interface whose type word is dead), the row must say so
/// ("not available at pc", "optimized away") rather than hold anything; those are counted and bounded.
/// </summary>
[Collection(PrivilegedSnapshotCollection.Name)]
[Trait("Category", "Privileged")]
public sealed class CaptureValuesTests(ITestOutputHelper output)
{
    [Theory]
    [MemberData(nameof(GoToolchains.Data), MemberType = typeof(GoToolchains))]
    public void Captured_parameters_and_package_variables_equal_what_the_program_printed(string release) =>
        CaptureAndCompare(release, GoBuildFlags.Default, null);

    /// <summary>The same of a build stripped as distributions strip it, with its DWARF found in its debug file by build ID.</summary>
    [Theory]
    [MemberData(nameof(GoToolchains.Data), MemberType = typeof(GoToolchains))]
    public void A_stripped_build_with_its_debug_file_captures_the_same_values(string release) =>
        CaptureAndCompare(release, GoBuildFlags.SeparateDebugInfo, DebugInfoSources.None with { Directories = [GoFixture.DebugDirectory] });

    void CaptureAndCompare(string release, GoBuildFlags flags, DebugInfoSources? debugInfo)
    {
        Requires.Root();
        using var program = new ValuesProgram(GoToolchains.Get(release), flags);
        var spec = CaptureSpec.Empty;
        var binary = Path.GetFileName(program.BinaryPath);
        foreach (var (function, parameters) in program.Frames)
            spec = spec.WithCapture(binary, function, parameters!.AsObject().Where(p => !IsSkip(p.Value)).Select(p => p.Key).ToArray());
        var globals = program.Globals.Where(g => !IsSkip(g.Value)).Select(g => g.Key).ToArray();
        spec = spec.WithCapture(binary, "main.holdScalars", [.. globals, "main.gHugeMap"]);

        using var snapshotter = new LocalSnapshotter { Captures = spec, DebugInfo = debugInfo };
        Procfs.FaultIn(program.Pid);
        var process = snapshotter.Take([program.Pid]).Processes[0];
        Assert.True(process.Error is null, process.Error);
        var captures = process.Captures ?? throw new InvalidOperationException($"go{release}: no captures for {binary}");
        output.WriteLine($"go{release}: {captures.Count} values, pause {process.PauseNs / 1e6:F2} ms");

        var mismatches = new List<string>();
        var unavailable = new List<string>();
        var compared = 0;
        foreach (var (function, parameters) in program.Frames)
        {
            foreach (var (name, expected) in parameters!.AsObject().Where(p => !IsSkip(p.Value)))
                compared += Compare(captures, function, name, expected, mismatches, unavailable);
        }
        foreach (var name in globals) compared += Compare(captures, "main.holdScalars", name, program.Globals[name], mismatches, unavailable);
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

    static int Compare(IReadOnlyList<Model.CapturedValue> captures, string function, string expression, JsonNode? expected, List<string> mismatches, List<string> unavailable)
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
