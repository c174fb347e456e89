using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using SideEye.Snapshots.Analysis;

namespace SideEye.Interactive.Charts;

/// <summary>
/// All goroutines of a snapshot as a Plotly icicle chart (a flame graph turned downwards: the outermost frames at the
/// top, each box as wide as the goroutines passing through it). Produces the figure as JSON and an HTML fragment
/// that draws it with the page's plotly.js (<see cref="PlotlyScript"/>, included once per notebook).
/// </summary>
public static class StackIcicle
{
    /// <summary>The Plotly figure: one icicle trace over the tree's ids, parents, labels and goroutine counts.</summary>
    public static JsonObject Figure(IReadOnlyList<StackTreeNode> tree, string title)
    {
        var trace = new JsonObject
        {
            ["type"] = "icicle",
            ["ids"] = Array(tree.Select(n => n.Id)),
            ["parents"] = Array(tree.Select(n => n.ParentId)),
            ["labels"] = Array(tree.Select(n => n.Func)),
            ["values"] = new JsonArray(tree.Select(n => (JsonNode?)JsonValue.Create(n.Goroutines)).ToArray()),
            // Counts are totals: a parent is exactly the sum of what passes through it.
            ["branchvalues"] = "total",
            ["tiling"] = new JsonObject { ["orientation"] = "v" },
            ["hovertemplate"] = "%{label}<br>%{value} goroutines<extra></extra>",
        };
        return new JsonObject
        {
            ["data"] = new JsonArray(trace),
            ["layout"] = new JsonObject { ["title"] = title, ["margin"] = new JsonObject { ["t"] = 40, ["l"] = 0, ["r"] = 0, ["b"] = 0 }, ["height"] = 560 },
        };
    }

    /// <summary>An HTML fragment drawing the figure into a fresh div (plotly.js must be on the page already).</summary>
    public static string Html(JsonObject figure, string divId)
    {
        var json = figure.ToJsonString(new JsonSerializerOptions { WriteIndented = false });
        var id = WebUtility.HtmlEncode(divId);
        // "</" must not end the script early (labels are function names, but they are the target's text).
        var safe = json.Replace("</", "<\\/", StringComparison.Ordinal);
        return $"<div id=\"{id}\" class=\"sideeye-chart\"></div><script>(function () {{ const f = {safe}; Plotly.newPlot(\"{id}\", f.data, f.layout, {{responsive: true}}); }})();</script>";
    }

    static JsonArray Array(IEnumerable<string> values) => new(values.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray());
}
