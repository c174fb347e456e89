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
    public void Scratch_holds_a_g_and_the_largest_record_within_the_per_cpu_value_limit()
    {
        var bin = GoBinary.Open(GoFixture.Build("parked", GoToolchains.Newest));
        var plan = ProbePlan.Create(bin, ProbePlan.MaxMaxFrames);
        var scratch = SnapshotProgramGenerator.Generate(plan).Maps.Single(m => m.Name == SnapshotProgram.ScratchMap);
        Assert.Equal(MapType.PerCpuArray, scratch.Type);
        Assert.True(scratch.ValueSize >= plan.GSize + RecordLayout.GoroutineSize(ProbePlan.MaxMaxFrames));
        Assert.True(scratch.ValueSize <= 32 * 1024, $"{scratch.ValueSize} bytes"); // PCPU_MIN_UNIT_SIZE
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
