namespace SideEye.Probes.Capture;

/// <summary>
/// One expression's value in one frame: <see cref="Depth"/> numbers frames as the decoded stack does (inlined
/// frames included, innermost 0). <see cref="Json"/> is null when there is no value, and <see cref="Unavailable"/>
/// says why ("not available at pc", "optimized away", "nil pointer dereference at req.URL", …).
/// </summary>
public sealed record CapturedFrameValue(long Goid, int Depth, string Function, string Expression, string Type, string? Json, string? Unavailable);
