namespace SideEye.Probes.Specs;

/// <summary>
/// How much a capture copies, per spec or per program. What is cut is marked as cut, with its full length.
/// </summary>
public sealed record CaptureLimits(int StringBytes = 512, int SliceBytes = 512, int MapBytes = 2048, int PointerDepth = 8, int SnapshotBytes = 4 << 20)
{
    public static CaptureLimits Default { get; } = new();
}
