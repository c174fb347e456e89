using SideEye.Bpf;
using SideEye.GoRuntime;
using SideEye.Probes.Capture;
using SideEye.Probes.Codegen;
using SideEye.Probes.Planning;
using SideEye.Probes.Specs;
using SideEye.Probes.Values;
using SideEye.Testing;
using Xunit.Abstractions;

namespace SideEye.Probes.Tests;

/// <summary>
/// The verifier's budget is a cliff whose edge moves between kernel releases (state pruning changes), so "it loads
/// here" proves little: every probe shape must verify with most of the budget left. Each test loads a real program
/// and asserts on the verifier's own count of processed instructions: under a fifth of its limit on this kernel.
/// </summary>
[Collection(PrivilegedProbeCollection.Name)]
[Trait("Category", "Privileged")]
public sealed class VerifierMarginTests(ITestOutputHelper output) : KernelObjectLeakCheck
{
    const double MaxShare = 0.20;

    [Theory]
    [MemberData(nameof(GoToolchains.Data), MemberType = typeof(GoToolchains))]
    public void Goroutine_probe_at_every_frame_limit(string release)
    {
        Requires.Root();
        var bin = GoBinary.Open(GoFixture.Build("parked", release));
        foreach (var frames in new[] { ProbePlan.MinMaxFrames, ProbePlan.DefaultMaxFrames, ProbePlan.MaxMaxFrames })
            AssertMargin($"go{release} goroutines, max frames {frames}", ProbePlan.Create(bin, frames), null);
    }

    /// <summary>testdata/values: every parameter of every main.hold* function and every package variable, which between them reach every kind of slot the gather tables know.</summary>
    [Theory]
    [MemberData(nameof(GoToolchains.Data), MemberType = typeof(GoToolchains))]
    public void Values_spec_touching_every_gather_slot_kind(string release)
    {
        Requires.Root();
        using var program = new ValuesProgram(GoToolchains.Get(release));
        var bin = GoBinary.Open(program.BinaryPath);
        var functions = program.Frames.Select(f => new FunctionCapture(f.Key, f.Value!.AsObject().Select(p => p.Key).ToArray())).ToList();
        functions.Add(new FunctionCapture("main.holdScalars", program.Globals.Select(g => g.Key).ToArray()));
        var captures = Plan(bin, new ProgramCaptures("values", functions));
        var kinds = captures.Types.Slots.Select(s => s.Kind).ToHashSet();
        var expected = Enum.GetValues<GatherSlotKind>()
            .Where(k => GoToolchains.Get(release).Minor >= 24 ? k is not (GatherSlotKind.Shift or GatherSlotKind.ShiftOld) : k is not (GatherSlotKind.PlusOne or GatherSlotKind.SwissDirectory));
        Assert.All(expected, k => Assert.Contains(k, kinds));
        AssertMargin($"go{release} values: {captures.Expressions.Count} expressions, {captures.Types.Types.Count} gather types", ProbePlan.Create(bin), captures);
    }

    /// <summary>testdata/wide: 50 functions × 8 expressions (strings, slices of strings, maps, interfaces, pointers to structs, a field through a pointer, errors, lengths).</summary>
    [Theory]
    [MemberData(nameof(GoToolchains.Data), MemberType = typeof(GoToolchains))]
    public void Spec_of_50_functions_by_8_expressions(string release)
    {
        Requires.Root();
        var bin = GoBinary.Open(GoFixture.Build("wide", release));
        var captures = Plan(bin, new ProgramCaptures("wide", WideSpec.Functions.Select(f => new FunctionCapture(f, WideSpec.Expressions)).ToArray()));
        Assert.Equal(400, captures.Requested.Sum(f => f.Expressions.Count));
        AssertMargin($"go{release} wide: {captures.Expressions.Count} expressions in {captures.Intervals.Count} pc ranges", ProbePlan.Create(bin), captures);
    }

    /// <summary>
    /// The spec's size is in the tables, not in the code: 400 expressions cost the verifier what one does, give or
    /// take the few binary-search steps more that larger tables take (a step is a few straight-line instructions).
    /// </summary>
    [Theory]
    [MemberData(nameof(GoToolchains.Data), MemberType = typeof(GoToolchains))]
    public void Verifier_cost_does_not_grow_with_the_spec(string release)
    {
        Requires.Root();
        var bin = GoBinary.Open(GoFixture.Build("wide", release));
        var one = Verify(SnapshotProgramGenerator.Generate(ProbePlan.Create(bin), Plan(bin, new ProgramCaptures("wide", [new FunctionCapture(WideSpec.Functions[0], ["name"])]))), output);
        var all = Verify(SnapshotProgramGenerator.Generate(ProbePlan.Create(bin),
            Plan(bin, new ProgramCaptures("wide", WideSpec.Functions.Select(f => new FunctionCapture(f, WideSpec.Expressions)).ToArray()))), output);
        output.WriteLine($"go{release}: 1 expression {one}; 400 expressions {all}");
        Assert.True(all.ProcessedInstructions < one.ProcessedInstructions * 11 / 10, $"go{release}: 1 expression {one.ProcessedInstructions} insns, 400 expressions {all.ProcessedInstructions}");
    }

    static CapturePlan Plan(GoBinary bin, ProgramCaptures captures) =>
        CapturePlan.Create(bin, captures, CaptureLimits.Default, RuntimeTypeIndex.Build(bin).Types.Select(kv => (kv.Key, kv.Value)));

    /// <summary>Both programs a plan can make: the one that leaves memory that is not resident unread, and the sleepable one that faults it in.</summary>
    void AssertMargin(string what, ProbePlan plan, CapturePlan? captures)
    {
        foreach (var budget in new[] { 0L, 100_000_000L })
        {
            var generated = SnapshotProgramGenerator.Generate(plan with { FaultBudgetNs = budget }, captures);
            Assert.Equal(budget > 0, generated.Program.Sleepable);
            var stats = Verify(generated, output);
            var which = budget > 0 ? "faulting pages in" : "without faulting";
            output.WriteLine($"{what}, {which}: {stats}");
            Assert.True(stats.LimitShare < MaxShare, $"{what}, {which}: {stats}, over {MaxShare:P0} of the limit");
        }
    }

    /// <summary>Loads the program with its maps and returns what the verifier spent on it.</summary>
    internal static VerifierStats Verify(SnapshotProgram generated, ITestOutputHelper output)
    {
        var maps = generated.Maps.ToDictionary(m => m.Name, BpfMap.Load);
        try
        {
            using var program = BpfProgram.Load(generated.Program, maps);
            return program.Stats ?? throw new InvalidOperationException("the verifier printed no statistics");
        }
        catch (VerifierException e)
        {
            output.WriteLine(e.ToString()[..Math.Min(e.ToString().Length, 200_000)]);
            throw;
        }
        finally
        {
            foreach (var m in maps.Values) m.Dispose();
        }
    }
}
