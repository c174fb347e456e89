namespace SideEye.Bpf;

/// <summary>The running kernel lacks a feature SideEye needs: names the feature and the first kernel that has it.</summary>
public sealed class KernelFeatureException : BpfException
{
    public string Feature { get; }
    /// <summary>The oldest mainline kernel with the feature, e.g. "5.8".</summary>
    public string MinimumKernel { get; }

    public KernelFeatureException(string feature, string minimumKernel, string command, int errno, string why, Exception? inner = null)
        : base($"kernel feature {feature} is not available (needs Linux {minimumKernel}+, running {Environment.OSVersion.Version}): {why}", command, errno, inner)
    {
        Feature = feature;
        MinimumKernel = minimumKernel;
    }
}
