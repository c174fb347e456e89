using System.Text.Json.Nodes;
using SideEye.Interactive.Charts;
using SideEye.Snapshots.Analysis;

namespace SideEye.Interactive.Tests.Charts;

/// <summary>The icicle chart's figure and the offline plotly.js it draws with.</summary>
public sealed class StackIcicleTests
{
    [Fact]
    public void Plotly_js_is_read_from_the_Plotly_NET_assembly_without_loading_it()
    {
        Assert.Equal("2.28.0", PlotlyScript.Version);
        Assert.Contains("plotly.js v2.28.0", PlotlyScript.Source[..200], StringComparison.Ordinal);
        Assert.True(PlotlyScript.Source.Length > 1_000_000, $"{PlotlyScript.Source.Length} characters");
        Assert.DoesNotContain(AppDomain.CurrentDomain.GetAssemblies(), a => a.GetName().Name == "Plotly.NET");
    }

    [Fact]
    public void The_figure_is_the_stack_tree_and_the_html_draws_it()
    {
        StackGroupFrame F(string func) => new(func, "main.go", 1);
        var groups = new[]
        {
            new StackGroup("a", [F("runtime.gopark"), F("main.idle"), F("main.main.func1")], 7, new Dictionary<string, int> { ["chan receive"] = 7 }, null, [], [], [], [], null),
            new StackGroup("b", [F("main.spinLoop"), F("main.spin")], 2, new Dictionary<string, int> { ["running"] = 2 }, null, [], [], [], [], null),
        };
        var tree = StackTree.Of(groups);
        var figure = StackIcicle.Figure(tree, "</script><b>x</b>");
        var trace = figure["data"]![0]!.AsObject();
        Assert.Equal("icicle", (string)trace["type"]!);
        Assert.Equal(tree.Select(n => n.Id), trace["ids"]!.AsArray().Select(v => (string)v!));
        Assert.Equal(tree.Select(n => n.ParentId), trace["parents"]!.AsArray().Select(v => (string)v!));
        Assert.Equal(tree.Select(n => n.Goroutines), trace["values"]!.AsArray().Select(v => (int)v!));
        Assert.Equal(9, (int)trace["values"]![0]!);

        var html = StackIcicle.Html(figure, "chart-1");
        Assert.StartsWith("<div id=\"chart-1\"", html, StringComparison.Ordinal);
        var script = html[(html.IndexOf("<script>", StringComparison.Ordinal) + 8)..html.LastIndexOf("</script>", StringComparison.Ordinal)];
        Assert.DoesNotContain("</", script, StringComparison.Ordinal);
    }
}
