using System.Text.Json.Nodes;

namespace SideEye.Probes.Values;

/// <summary>The objects that stand for a value that was not read; their "$" keys cannot be Go field names.</summary>
internal static class ValueMarkers
{
    /// <summary>Beyond <see cref="Specs.CaptureLimits.PointerDepth"/>.</summary>
    public static JsonObject Depth(ulong address) => Marker("$depth", address);
    /// <summary>The (address, type) is already on the path from the captured value.</summary>
    public static JsonObject Cycle(ulong address) => Marker("$cycle", address);
    /// <summary>The memory does not have it.</summary>
    public static JsonObject Unread(ulong address) => Marker("$unread", address);
    /// <summary>An interface's runtime type that no DWARF type describes.</summary>
    public static JsonObject UnknownType(ulong address) => Marker("$unknownType", address);

    static JsonObject Marker(string key, ulong address) => new() { [key] = GoValueText.Hex(address) };
}
