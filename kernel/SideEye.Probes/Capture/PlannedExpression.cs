using SideEye.Probes.Specs;

namespace SideEye.Probes.Capture;

/// <summary>One expression of the spec, numbered as the probe's records number it, with its compiled path.</summary>
public sealed record PlannedExpression(int Id, string Function, ResolvedCapture Capture, CapturePath Path)
{
    public string Text => Capture.Text;
    public bool IsGlobal => Capture.Global is not null;
}
