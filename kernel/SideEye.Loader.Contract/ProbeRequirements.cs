using SideEye.Bpf.Features;

namespace SideEye.Loader.Contract;

/// <summary>
/// What a snapshot probe needs of the kernel: ring buffers and bpf_ringbuf_query (5.8), bpf_loop and its callbacks
/// (5.17), the uprobe PMU (4.17), so Linux 5.17. Jobs carry it; an agent checks it when it starts.
/// </summary>
public static class ProbeRequirements
{
    public static IReadOnlyList<KernelFeature> Features { get; } = [KernelFeature.RingBuf, KernelFeature.BpfLoop, KernelFeature.UprobePmu];
}
