namespace SideEye.Probes.Specs;

/// <summary>
/// How much a capture copies, per spec or per program. What is cut is marked as cut, with its full length.
/// </summary>
public sealed record CaptureLimits(int StringBytes = 512, int SliceBytes = 512, int MapBytes = 2048, int PointerDepth = 8, int SnapshotBytes = 4 << 20)
{
    public static CaptureLimits Default { get; } = new();

    public const int MaxStringBytes = 1 << 20, MaxSliceBytes = 1 << 20, MaxMapBytes = 1 << 20, MaxPointerDepth = 64, MaxSnapshotBytes = 1 << 30;

    /// <summary>Each limit with its spec name and its largest allowed value (the smallest is 0).</summary>
    public IEnumerable<(string Name, int Value, int Max)> Bounded() =>
    [
        ("stringBytes", StringBytes, MaxStringBytes), ("sliceBytes", SliceBytes, MaxSliceBytes), ("mapBytes", MapBytes, MaxMapBytes),
        ("pointerDepth", PointerDepth, MaxPointerDepth), ("snapshotBytes", SnapshotBytes, MaxSnapshotBytes),
    ];
}
