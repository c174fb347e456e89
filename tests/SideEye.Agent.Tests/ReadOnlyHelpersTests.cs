using SideEye.Agent.Security;
using SideEye.Bpf.Asm;
using SideEye.GoRuntime;
using SideEye.Probes.Capture;
using SideEye.Probes.Codegen;
using SideEye.Probes.Planning;
using SideEye.Probes.Specs;
using SideEye.Probes.Values;
using SideEye.Testing;

namespace SideEye.Agent.Tests;

/// <summary>
/// The agent's helper allow-list is exactly what the generator calls, no more: the goroutine probe and capture
/// probes reaching every kind of gather slot (testdata/values' whole spec, testdata/wide's 50 × 8), on every
/// toolchain, call only allowed helpers, and between them every allowed one.
/// </summary>
public sealed class ReadOnlyHelpersTests
{
    [Fact]
    public void The_allowed_helpers_are_those_the_generator_calls()
    {
        var called = new HashSet<BpfHelper>();
        foreach (var toolchain in GoToolchains.All)
        {
            using var values = new ValuesProgram(toolchain);
            var valuesBinary = GoBinary.Open(values.BinaryPath);
            var functions = values.Frames.Select(f => new FunctionCapture(f.Key, f.Value!.AsObject().Select(p => p.Key).ToArray())).ToList();
            functions.Add(new FunctionCapture("main.holdScalars", values.Globals.Select(g => g.Key).ToArray()));
            var wideBinary = GoBinary.Open(GoFixture.Build("wide", toolchain));
            var programs = new[]
            {
                SnapshotProgramGenerator.Generate(ProbePlan.Create(valuesBinary), null),
                SnapshotProgramGenerator.Generate(ProbePlan.Create(valuesBinary), Plan(valuesBinary, new ProgramCaptures("values", functions))),
                SnapshotProgramGenerator.Generate(ProbePlan.Create(wideBinary),
                    Plan(wideBinary, new ProgramCaptures("wide", WideSpec.Functions.Select(f => new FunctionCapture(f, WideSpec.Expressions)).ToArray()))),
                // The sleepable probe that faults pages in to read memory that is not resident.
                SnapshotProgramGenerator.Generate(ProbePlan.Create(valuesBinary) with { FaultBudgetNs = 100_000_000 }, Plan(valuesBinary, new ProgramCaptures("values", functions))),
            };
            foreach (var helper in programs.SelectMany(p => p.Program.Instructions)
                         .Where(i => !i.IsLabel && i.Class == OpClass.Jmp && (i.OpCode & 0xf0) == (byte)JumpOp.Call && i.Src == 0)
                         .Select(i => (BpfHelper)i.Constant))
            {
                Assert.True(ReadOnlyHelpers.Refusal((long)helper) is null, $"go{toolchain.Release}: the generator calls {helper}, which the agent refuses");
                called.Add(helper);
            }
        }
        Assert.Equal(ReadOnlyHelpers.Allowed.Order(), called.Order());
    }

    static CapturePlan Plan(GoBinary bin, ProgramCaptures captures) =>
        CapturePlan.Create(bin, captures, CaptureLimits.Default, RuntimeTypeIndex.Build(bin).Types.Select(kv => (kv.Key, kv.Value)));
}
