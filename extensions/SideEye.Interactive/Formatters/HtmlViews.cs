using System.Globalization;
using System.Text;
using static System.Net.WebUtility;

namespace SideEye.Interactive.Formatters;

/// <summary>The HTML of the extension's result records: plain tables, so they read the same in every front end.</summary>
static class HtmlViews
{
    public static string Targets(GoTargets targets)
    {
        if (targets.Processes.Count == 0) return "<p>no Go processes found (processes of other users need root)</p>";
        var html = new StringBuilder("<table><thead><tr><th>pid</th><th>executable</th><th>Go</th><th>uptime</th><th>goroutines</th></tr></thead><tbody>");
        foreach (var p in targets.Processes)
            html.Append(CultureInfo.InvariantCulture, $"<tr><td>{p.Pid}</td><td>{HtmlEncode(p.Exe)}</td><td>{HtmlEncode(p.GoVersion)}</td><td>{Uptime(p.Uptime)}</td><td>{(p.Goroutines is { } n ? n.ToString(CultureInfo.InvariantCulture) : "")}</td></tr>");
        return html.Append("</tbody></table>").ToString();
    }

    public static string Snapshot(SnapshotSummary summary)
    {
        var s = summary.Snapshot;
        var html = new StringBuilder().Append(CultureInfo.InvariantCulture,
            $"<p>snapshot {s.SnapshotId} at {s.TakenAt:u} in {HtmlEncode(summary.Database)}</p><table><thead><tr><th>pid</th><th>executable</th><th>Go</th><th>goroutines</th><th>pause (ms)</th><th>error</th></tr></thead><tbody>");
        foreach (var p in s.Processes)
        {
            var goroutines = p.Error is null ? p.Goroutines.Count.ToString(CultureInfo.InvariantCulture) + (p.Truncated ? " (truncated)" : "") : "";
            var pause = p.Error is null ? (p.PauseNs / 1e6).ToString("F3", CultureInfo.InvariantCulture) : "";
            html.Append(CultureInfo.InvariantCulture,
                $"<tr><td>{p.Pid}</td><td>{HtmlEncode(p.Exe)}</td><td>{HtmlEncode(p.GoVersion)}</td><td>{goroutines}</td><td>{pause}</td><td>{HtmlEncode(p.Error ?? "")}</td></tr>");
        }
        return html.Append("</tbody></table>").ToString();
    }

    /// <summary>The icicle of all goroutines, then the groups largest first, each expandable to its frames.</summary>
    public static string Stacks(StacksView view)
    {
        var html = new StringBuilder();
        if (view.IncludePlotly) html.Append("<script>").Append(Charts.PlotlyScript.Source.Replace("</script", "<\\/script", StringComparison.OrdinalIgnoreCase)).Append("</script>");
        var total = view.Groups.Sum(g => g.Count);
        html.Append(CultureInfo.InvariantCulture, $"<p>snapshot {view.SnapshotId} in {HtmlEncode(view.Database)}: {total} goroutines in {view.Groups.Count} groups of identical stacks{(view.Filter is null ? "" : $" through {HtmlEncode(view.Filter)}")}</p>");
        if (view.Tree.Count > 1)
        {
            var figure = Charts.StackIcicle.Figure(view.Tree, $"snapshot {view.SnapshotId}: {total} goroutines");
            html.Append(Charts.StackIcicle.Html(figure, $"sideeye-icicle-{view.SnapshotId}-{Guid.NewGuid():n}"));
        }
        html.Append("<table><thead><tr><th>goroutines</th><th>states</th><th>where</th><th>created by</th><th>stack</th></tr></thead><tbody>");
        foreach (var g in view.Groups)
        {
            var states = string.Join(", ", g.States.Select(s => $"{s.Value} {s.Key}"));
            var frames = string.Join("<br>", g.Frames.Select(f => HtmlEncode(f.ToString())));
            html.Append(CultureInfo.InvariantCulture,
                $"<tr><td>{g.Count}</td><td>{HtmlEncode(states)}</td><td>{HtmlEncode(g.Where?.Func ?? "")}</td><td>{HtmlEncode(string.Join(", ", g.CreatedBy))}</td><td><details><summary>{g.Frames.Count} frames</summary><code>{frames}</code></details></td></tr>");
        }
        return html.Append("</tbody></table>").ToString();
    }

    public static string Diff(DiffView view)
    {
        if (view.Changes.Count == 0) return $"<p>snapshots {view.Before} and {view.After} have the same stack groups</p>";
        var html = new StringBuilder().Append(CultureInfo.InvariantCulture,
            $"<p>from snapshot {view.Before} to {view.After} in {HtmlEncode(view.Database)}</p><table><thead><tr><th>change</th><th>before</th><th>after</th><th>where</th><th>stack</th></tr></thead><tbody>");
        foreach (var c in view.Changes)
        {
            var frames = string.Join("<br>", c.Frames.Select(f => HtmlEncode(f.ToString())));
            html.Append(CultureInfo.InvariantCulture,
                $"<tr><td>{c.Kind} {(c.Delta > 0 ? "+" : "")}{c.Delta}</td><td>{c.Before}</td><td>{c.After}</td><td>{HtmlEncode(c.Where?.Func ?? "")}</td><td><details><summary>{c.Frames.Count} frames</summary><code>{frames}</code></details></td></tr>");
        }
        return html.Append("</tbody></table>").ToString();
    }

    public static string Opened(OpenedStore opened)
    {
        var html = new StringBuilder().Append(CultureInfo.InvariantCulture,
            $"<p>{HtmlEncode(opened.Database)}: {opened.Snapshots.Count} snapshots</p><table><thead><tr><th>snapshot</th><th>taken</th><th>note</th><th>processes</th><th>goroutines</th></tr></thead><tbody>");
        foreach (var s in opened.Snapshots)
            html.Append(CultureInfo.InvariantCulture, $"<tr><td>{s.SnapshotId}</td><td>{s.TakenAt:u}</td><td>{HtmlEncode(s.Note ?? "")}</td><td>{s.Processes}</td><td>{s.Goroutines}</td></tr>");
        return html.Append("</tbody></table>").ToString();
    }

    static string Uptime(TimeSpan t) => t.TotalDays >= 1
        ? $"{(int)t.TotalDays}d {t.Hours}h"
        : t.TotalHours >= 1 ? $"{(int)t.TotalHours}h {t.Minutes}m" : $"{(int)t.TotalMinutes}m {t.Seconds}s";
}
