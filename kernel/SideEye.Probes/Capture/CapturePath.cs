using SideEye.Binary.Dwarf.Types;

namespace SideEye.Probes.Capture;

/// <summary>
/// How the probe evaluates one expression from its root variable: the dereferences in order, then where the value
/// lies in the last thing read (<see cref="FinalOffset"/>) and the gather type copied from there
/// (<see cref="FinalType"/>: 0 for len/cap, whose header is enough). The decoder evaluates the expression again, with
/// DWARF types, over the memory this copied.
/// </summary>
public sealed record CapturePath(GoType RootType, IReadOnlyList<CaptureStep> Steps, int FinalOffset, int FinalType)
{
    /// <summary>Dereferences the probe follows for one expression; deeper chains stop there (the rest reads as not captured).</summary>
    public const int MaxSteps = 6;
}
