namespace SideEye.Probes.Capture;

/// <summary>
/// What the probe does at a frame whose pc falls in an interval with this plan: copy the stack span
/// [CFA + SpanLow, CFA + SpanLow + SpanLength) once (every stack-held root lies in it, and the decoder reads the
/// roots from that copy), then evaluate each root's expression.
/// </summary>
public sealed record FramePlan(int SpanLow, int SpanLength, IReadOnlyList<CaptureRoot> Roots)
{
    /// <summary>Largest span copied per frame.</summary>
    public const int MaxSpan = 1024;
}
