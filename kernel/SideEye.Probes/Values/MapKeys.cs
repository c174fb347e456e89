using System.Text.Json;
using System.Text.Json.Nodes;
using SideEye.Binary.Dwarf.Types;

namespace SideEye.Probes.Values;

/// <summary>How map keys show: as object member names for strings, bools and numbers (as encoding/json does for strings and integers), sorted.</summary>
internal static class MapKeys
{
    public static bool AreText(GoType key) => ValueKinds.Of(key) is GoKind.String or GoKind.Bool or GoKind.Int or GoKind.Int8 or GoKind.Int16
        or GoKind.Int32 or GoKind.Int64 or GoKind.Uint or GoKind.Uint8 or GoKind.Uint16 or GoKind.Uint32 or GoKind.Uint64
        or GoKind.Uintptr or GoKind.Float32 or GoKind.Float64;

    /// <summary>A string key as itself, a number or bool as its JSON text, anything else (a marker, a cut string) as its JSON.</summary>
    public static string Text(JsonNode? key) => key switch
    {
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        null => "null",
        _ => key.ToJsonString(),
    };

    /// <summary>Numbers by value, then everything else by text.</summary>
    public static IComparer<JsonNode?> Order { get; } = Comparer<JsonNode?>.Create((a, b) =>
    {
        if (a is JsonValue x && b is JsonValue y && x.GetValueKind() == JsonValueKind.Number && y.GetValueKind() == JsonValueKind.Number)
        {
            var c = decimal.TryParse(Text(x), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var dx)
                    && decimal.TryParse(Text(y), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var dy)
                ? dx.CompareTo(dy) : double.Parse(Text(x), System.Globalization.CultureInfo.InvariantCulture).CompareTo(double.Parse(Text(y), System.Globalization.CultureInfo.InvariantCulture));
            if (c != 0) return c;
        }
        return string.CompareOrdinal(Text(a), Text(b));
    });
}
