using SideEye.Probes.Specs;

namespace SideEye.Probes.Capture;

/// <summary>
/// One expression of the spec in one place it is captured, numbered as the probe's records number it, with its
/// compiled path: <see cref="Function"/> as the spec names it, <see cref="Site"/> the function's DWARF name (one
/// per instantiation of a generic function).
/// </summary>
public sealed record PlannedExpression(int Id, string Function, ResolvedCapture Capture, CapturePath Path)
{
    public string Site => Capture.Function;

    public string Text => Capture.Text;
    public bool IsGlobal => Capture.Global is not null;
}
