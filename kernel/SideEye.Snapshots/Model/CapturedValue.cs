namespace SideEye.Snapshots.Model;

/// <summary>One expression captured in one frame of a goroutine.</summary>
/// <param name="Depth">The frame's index in <see cref="GoroutineRecord.Frames"/> (0 innermost; an inlined call is a
/// frame of its own), the same number as <c>frames.depth</c>, so a capture joins its frame.</param>
/// <param name="Function">The captured function as the spec names it.</param>
/// <param name="Expression">The expression as the spec writes it.</param>
/// <param name="Type">The expression's Go type, e.g. "*net/url.URL".</param>
/// <param name="ValueJson">The value as JSON; null when unavailable.</param>
/// <param name="Unavailable">Why there is no value ("not available at pc", "optimized away"); null when there is one.</param>
public sealed record CapturedValue(long Goid, int Depth, string Function, string Expression, string Type, string? ValueJson, string? Unavailable);
