using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace SideEye.Probes.Tests.Values;

/// <summary>Semantic JSON equality: objects regardless of member order, numbers by value; failures name the path.</summary>
static class JsonAssert
{
    public static void Equal(JsonNode? expected, JsonNode? actual, string what)
    {
        if (Difference(expected, actual, "$") is { } where)
            Assert.Fail($"{what}: differs at {where}\nexpected: {expected?.ToJsonString() ?? "null"}\nactual:   {actual?.ToJsonString() ?? "null"}");
    }

    public static string? Difference(JsonNode? e, JsonNode? a, string path)
    {
        if (e is null || a is null) return e is null && a is null ? null : path;
        switch (e)
        {
            case JsonObject eo:
                if (a is not JsonObject ao) return path;
                foreach (var (k, v) in eo)
                {
                    if (!ao.ContainsKey(k)) return $"{path}.{k} (missing)";
                    if (Difference(v, ao[k], $"{path}.{k}") is { } d) return d;
                }
                return ao.Select(p => p.Key).FirstOrDefault(k => !eo.ContainsKey(k)) is { } extra ? $"{path}.{extra} (unexpected)" : null;
            case JsonArray ea:
                if (a is not JsonArray aa || aa.Count != ea.Count) return $"{path} (array length)";
                for (var i = 0; i < ea.Count; i++)
                    if (Difference(ea[i], aa[i], $"{path}[{i}]") is { } d) return d;
                return null;
            default:
                var ev = e.AsValue();
                if (a is not JsonValue av || ev.GetValueKind() != av.GetValueKind()) return path;
                if (ev.GetValueKind() == JsonValueKind.Number)
                {
                    var es = ev.ToJsonString();
                    var @as = av.ToJsonString();
                    if (decimal.TryParse(es, NumberStyles.Float, CultureInfo.InvariantCulture, out var ed) &&
                        decimal.TryParse(@as, NumberStyles.Float, CultureInfo.InvariantCulture, out var ad))
                        return ed == ad ? null : path;
                    return double.Parse(es, CultureInfo.InvariantCulture) == double.Parse(@as, CultureInfo.InvariantCulture) ? null : path;
                }
                return JsonNode.DeepEquals(ev, av) ? null : path;
        }
    }
}
