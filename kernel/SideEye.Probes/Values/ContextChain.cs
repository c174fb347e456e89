using System.Text.Json.Nodes;

namespace SideEye.Probes.Values;

/// <summary>
/// The "$context" list of a decoded context.Context: walks the already decoded interface down its parents
/// (a valueCtx's or cancelCtx's embedded Context, a timerCtx's cancelCtx, withoutCancelCtx's c), collecting
/// each valueCtx's key and val, innermost first. Reads nothing: it sees what the decoder could read.
/// </summary>
internal static class ContextChain
{
    const int MaxLinks = 64;

    public static JsonArray Values(JsonObject node)
    {
        var values = new JsonArray();
        JsonObject? current = node;
        for (var i = 0; current is not null && i < MaxLinks; i++)
        {
            if (current["value"] is not JsonObject value) break;
            if ((string?)current["$type"] == "*context.valueCtx")
                values.Add(new JsonObject { ["key"] = value["key"]?.DeepClone(), ["value"] = value["val"]?.DeepClone() });
            current = Parent(value);
        }
        return values;
    }

    static JsonObject? Parent(JsonObject value)
    {
        foreach (var name in (string[])["Context", "c"])
            if (value[name] is JsonObject parent && parent.ContainsKey("$type")) return parent;
        return value["cancelCtx"] is JsonObject inner ? Parent(inner) : null;
    }
}
