using SideEye.Bpf;
using SideEye.GoRuntime;
using SideEye.Probes.Codegen;
using SideEye.Probes.Planning;
using SideEye.Probes.Records;
using SideEye.Testing;

namespace SideEye.Probes.Tests;

/// <summary>Kernel-free properties of the generated program.</summary>
public class SnapshotProgramGeneratorTests
{
    [Theory]
    [MemberData(nameof(GoToolchains.Data), MemberType = typeof(GoToolchains))]
    public void Same_binary_gives_the_same_program_and_maps(string release)
    {
        var bin = GoBinary.Open(GoFixture.Build("parked", release));
        var first = SnapshotProgramGenerator.Generate(ProbePlan.Create(bin));
        var second = SnapshotProgramGenerator.Generate(ProbePlan.Create(GoBinary.Open(bin.Path)));
        Assert.Equal(first.Instructions.Disassemble(), second.Instructions.Disassemble());
        Assert.Equal(first.Maps, second.Maps);
    }

    [Fact]
    public void Scratch_is_one_directly_addressed_value_holding_a_g_and_the_largest_record()
    {
        var bin = GoBinary.Open(GoFixture.Build("parked", GoToolchains.Newest));
        var plan = ProbePlan.Create(bin, ProbePlan.MaxMaxFrames);
        var generated = SnapshotProgramGenerator.Generate(plan);
        var scratch = generated.Maps.Single(m => m.Name == SnapshotProgram.ScratchMap);
        // A plain one-entry array: only its value can be addressed without a lookup (BPF_PSEUDO_MAP_VALUE).
        Assert.Equal((MapType.Array, 1u), (scratch.Type, scratch.MaxEntries));
        Assert.True(scratch.ValueSize >= plan.GSize + RecordLayout.GoroutineSize(plan.WalkFrames));
        Assert.DoesNotContain(generated.Instructions, i => i.IsLoadImm64 && i.MapName == SnapshotProgram.ScratchMap && i.Src == (SideEye.Bpf.Asm.Register)SideEye.Bpf.Asm.PseudoSource.MapFd);
    }

    [Fact]
    public void Every_function_but_main_and_the_loop_trampolines_is_global()
    {
        var bin = GoBinary.Open(GoFixture.Build("requests", GoToolchains.Newest));
        var captures = SideEye.Probes.Capture.CapturePlan.Create(bin,
            new SideEye.Probes.Specs.ProgramCaptures("requests", [new SideEye.Probes.Specs.FunctionCapture("main.(*server).handle", ["req.ID", "req.Path"])]),
            SideEye.Probes.Specs.CaptureLimits.Default);
        var code = SnapshotProgramGenerator.Generate(ProbePlan.Create(bin), captures).Instructions;
        var called = code.Where(i => i.Reference is not null && (i.IsLoadImm64 || (i.OpCode & 0xf0) == (byte)SideEye.Bpf.Asm.JumpOp.Call && i.Class == SideEye.Bpf.Asm.OpClass.Jmp))
            .Select(i => i.Reference!).ToHashSet();
        var globals = code.Where(i => i.GlobalArgs is not null).Select(i => i.Label!).ToHashSet();
        var statics = called.Except(globals).ToArray();
        Assert.All(statics, name => Assert.EndsWith("_loop", name));
        Assert.Contains("g_body", globals);
        Assert.Contains("scan_slot", globals);
        Assert.Contains("cap_root", globals);
    }

    [Fact]
    public void Frame_limits_outside_the_supported_range_are_caller_errors()
    {
        var bin = GoBinary.Open(GoFixture.Build("parked", GoToolchains.Newest));
        Assert.Throws<ArgumentOutOfRangeException>(() => ProbePlan.Create(bin, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => ProbePlan.Create(bin, ProbePlan.MaxMaxFrames + 1));
        Assert.Throws<ArgumentException>(() => SnapshotProgramGenerator.Generate(ProbePlan.Create(bin) with { MaxFrames = 1 }));
    }
}
