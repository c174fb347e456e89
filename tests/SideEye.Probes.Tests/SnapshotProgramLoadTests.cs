using SideEye.Bpf;
using SideEye.GoRuntime;
using SideEye.Probes.Codegen;
using SideEye.Probes.Planning;
using SideEye.Testing;
using Xunit.Abstractions;

namespace SideEye.Probes.Tests;

/// <summary>The generated program passes the verifier for every toolchain's binary, at the default and the largest frame limit.</summary>
[Collection(PrivilegedProbeCollection.Name)]
[Trait("Category", "Privileged")]
public sealed class SnapshotProgramLoadTests(ITestOutputHelper output) : KernelObjectLeakCheck
{
    [Theory]
    [MemberData(nameof(GoToolchains.Data), MemberType = typeof(GoToolchains))]
    public void Program_loads_for_every_toolchain(string release)
    {
        Requires.Root();
        var bin = GoBinary.Open(GoFixture.Build("parked", release));
        foreach (var frames in new[] { ProbePlan.DefaultMaxFrames, ProbePlan.MaxMaxFrames, 2 })
        {
            var generated = SnapshotProgramGenerator.Generate(ProbePlan.Create(bin, frames));
            var maps = generated.Maps.ToDictionary(m => m.Name, BpfMap.Load);
            try
            {
                using var program = BpfProgram.Load(generated.Program, maps);
                output.WriteLine($"go{release} max frames {frames}: {generated.Instructions.SlotCount} insns");
            }
            catch (VerifierException e)
            {
                output.WriteLine(generated.Instructions.Disassemble());
                output.WriteLine(e.ToString());
                throw;
            }
            finally
            {
                foreach (var m in maps.Values) m.Dispose();
            }
        }
    }
}
