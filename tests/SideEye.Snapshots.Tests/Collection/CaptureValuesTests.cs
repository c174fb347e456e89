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
        using var snapshotter = new LocalSnapshotter { Captures = ValuesExpectations.Spec(program), DebugInfo = debugInfo };
        Procfs.FaultIn(program.Pid);
        var process = snapshotter.Take([program.Pid]).Processes[0];
        Assert.True(process.Error is null, process.Error);
        var captures = process.Captures ?? throw new InvalidOperationException($"go{release}: no captures for {Path.GetFileName(program.BinaryPath)}");
        output.WriteLine($"go{release}: {captures.Count} values, pause {process.PauseNs / 1e6:F2} ms");
        ValuesExpectations.AssertEqual(program, captures, output);
    }
}
