namespace SideEye.Probes.Values;

/// <summary>
/// One captured expression's result: its JSON (<see cref="ValueFormatter"/>'s conventions), or null with the
/// reason it is not available ("nil pointer dereference at req.URL", "index 3 out of range [0:2]").
/// </summary>
public sealed record CapturedValueJson(string? Json, string? Unavailable)
{
    public static CapturedValueJson Value(string json) => new(json, null);
    public static CapturedValueJson NotAvailable(string reason) => new(null, reason);
}
