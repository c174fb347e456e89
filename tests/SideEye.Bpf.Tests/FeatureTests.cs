using SideEye.Bpf.Features;
using SideEye.Testing;

namespace SideEye.Bpf.Tests;

[Collection(PrivilegedCollection.Name)]
[Trait("Category", "Privileged")]
public sealed class FeatureTests : KernelObjectLeakCheck
{
    /// <summary>Every probe must say "supported" on a kernel at or above the feature's declared minimum.</summary>
    [Theory]
    [InlineData(KernelFeature.RingBuf)]
    [InlineData(KernelFeature.BpfLoop)]
    [InlineData(KernelFeature.TaskIterator)]
    [InlineData(KernelFeature.SleepableTaskIterator)]
    [InlineData(KernelFeature.UprobePmu)]
    [InlineData(KernelFeature.VmlinuxBtf)]
    [InlineData(KernelFeature.AttachCookie)]
    [InlineData(KernelFeature.SleepableUprobe)]
    public void Probe_succeeds_on_a_kernel_at_or_above_the_minimum(KernelFeature feature)
    {
        Requires.Root();
        var minimum = Version.Parse(KernelFeatures.MinimumKernel(feature));
        var running = Environment.OSVersion.Version;
        var result = KernelFeatures.Probe(feature);
        if (new Version(running.Major, running.Minor) >= minimum)
            Assert.True(result is null, $"{feature}: {result?.Message}");
        else
            Assert.NotNull(result);
        Assert.Equal(result is null, KernelFeatures.Have(feature)); // cached answer agrees
    }

    [Fact]
    public void Feature_error_names_the_feature_and_minimum_kernel()
    {
        var e = new KernelFeatureException("bpf_loop helper", "5.17", "BPF_PROG_LOAD", 22, "unknown func bpf_loop#181");
        Assert.Equal("bpf_loop helper", e.Feature);
        Assert.Equal("5.17", e.MinimumKernel);
        Assert.Contains("needs Linux 5.17+", e.Message);
        Assert.Contains("bpf_loop helper", e.Message);
        Assert.IsAssignableFrom<BpfException>(e);
    }
}
