using System.Globalization;
using System.Text;
using SideEye.Interactive.Formatters;
using SideEye.Snapshots.Analysis;
using static System.Net.WebUtility;

namespace SideEye.Interactive.Formatters;

/// <summary>The HTML of the extension's result records: plain tables, so they read the same in every front end.</summary>
static class HtmlViews
{
    /// <summary>
    /// Goes before each view: front ends right-align table cells (Jupyter) and let long values run off; stacks and
    /// values read left-aligned, top-aligned and wrapped.
    /// </summary>
    public const string Style =
        "<style>table.sideeye td,table.sideeye th{text-align:left !important;vertical-align:top}" +
        "table.sideeye code{white-space:pre-wrap;overflow-wrap:anywhere}table.sideeye td.n{text-align:right !important}</style>";

    public static string Targets(GoTargets targets)
    {
        var where = targets.Agent is { } agent ? $" on agent {HtmlEncode(agent)}" : "";
        if (targets.Processes.Count == 0)
            return targets.Agent is null ? "<p>no Go processes found (processes of other users need root, or an agent: #!sideeye connect)</p>" : $"<p>no Go processes{where}</p>";
        var html = new StringBuilder(where.Length > 0 ? $"<p>Go processes{where}</p>" : "")
            .Append("<table class=\"sideeye\"><thead><tr><th>pid</th><th>executable</th><th>Go</th><th>uptime</th><th>goroutines</th></tr></thead><tbody>");
        foreach (var p in targets.Processes)
            html.Append(CultureInfo.InvariantCulture, $"<tr><td>{p.Pid}{(p.NamespacePid is { } inner ? $" ({inner} in its namespace)" : "")}</td><td>{HtmlEncode(p.Exe)}{(p.Refused is { } no ? $" <em>({HtmlEncode(no)})</em>" : "")}</td><td>{HtmlEncode(p.GoVersion)}</td><td>{Uptime(p.Uptime)}</td><td>{(p.Goroutines is { } n ? n.ToString(CultureInfo.InvariantCulture) : "")}</td></tr>");
        return html.Append("</tbody></table>").ToString();
    }

    /// <summary>A fleet's processes, host first, with the program and labels its rules give them; an agent that could not be asked is a row with its error.</summary>
    public static string Fleet(FleetTargets fleet)
    {
        var where = fleet.Where.Count > 0 ? $" where {HtmlEncode(string.Join(" and ", fleet.Where))}" : "";
        var processes = fleet.Targets.Count(t => t.Process is not null);
        var html = new StringBuilder().Append(CultureInfo.InvariantCulture,
            $"<p>fleet {HtmlEncode(fleet.FleetFile)}: {processes} Go processes on {fleet.Targets.Where(t => t.Process is not null).Select(t => t.Host).Distinct().Count()} hosts{where}</p>")
            .Append("<table class=\"sideeye\"><thead><tr><th>host</th><th>pid</th><th>program</th><th>environment</th><th>labels</th><th>Go</th><th>goroutines</th><th>executable</th></tr></thead><tbody>");
        foreach (var t in fleet.Targets)
        {
            var labels = HtmlEncode(t.StaticLabels);
            if (t.Process is not { } p)
            {
                html.Append(CultureInfo.InvariantCulture, $"<tr><td>{HtmlEncode(t.Host)}</td><td colspan=\"7\"><strong>error:</strong> {HtmlEncode(t.Error ?? "")}</td></tr>");
                continue;
            }
            html.Append(CultureInfo.InvariantCulture,
                $"<tr><td>{HtmlEncode(t.Host)}</td><td>{p.Pid}{(p.NamespacePid is { } inner ? $" ({inner})" : "")}</td><td>{HtmlEncode(t.Program ?? "")}</td><td>{HtmlEncode(t.Environment ?? "")}</td><td>{labels}</td>" +
                $"<td>{HtmlEncode(p.GoVersion)}</td><td>{(p.Goroutines is { } n ? n.ToString(CultureInfo.InvariantCulture) : "")}</td><td>{HtmlEncode(p.Exe)}{(p.Refused is { } no ? $" <em>({HtmlEncode(no)})</em>" : "")}</td></tr>");
        }
        return html.Append("</tbody></table>").ToString();
    }

    public static string Agent(AgentView view)
    {
        var i = view.Info;
        var privileges = i.Privileges is { } p ? (p.Root ? "root" : $"uid {p.Euid}") + (p.Missing.Count > 0 ? $", missing {string.Join(", ", p.Missing)}" : "") : "";
        var features = string.Join(", ", i.Features.Select(f => f.Present ? f.Name : $"{f.Name} MISSING ({f.Problem})"));
        var rows = new (string, string)[]
        {
            ("agent", view.Address + (view.Name is { } n ? $" (recorded as {n})" : "")),
            ("host", i.Hostname),
            ("kernel", i.KernelRelease),
            ("version", i.AgentVersion),
            ("runs as", privileges),
            ("kernel features", features),
            ("ptrace_scope", i.PtraceScope < 0 ? "no Yama" : i.PtraceScope.ToString(CultureInfo.InvariantCulture)),
            ("allows", i.Allow.Count == 0 ? "every Go process" : string.Join(", ", i.Allow)),
            ("pause limit", $"{i.Limits?.MaxPauseNs / 1e6:0.###} ms"),
            ("you are", i.Caller),
        };
        var html = new StringBuilder("<p>connected: the live subcommands work through this agent now</p><table class=\"sideeye\"><tbody>");
        foreach (var (key, value) in rows) html.Append(CultureInfo.InvariantCulture, $"<tr><th>{key}</th><td>{HtmlEncode(value)}</td></tr>");
        return html.Append("</tbody></table>").ToString();
    }

    public static string Snapshot(SnapshotSummary summary)
    {
        var s = summary.Snapshot;
        // Several machines: each row names its host, and the fleet line says how close together the probes ran.
        var hosts = summary.Fleet is not null || s.Processes.Select(p => p.Host).Distinct().Count() > 1;
        var fleet = summary.Fleet is { } f
            ? $"<p>{HtmlEncode(f.Summary)}" +
              (f.Failures.Count > 0 ? $"; <strong>{f.Failures.Count} agent(s) failed</strong>" : "") + "</p>"
            : "";
        var html = new StringBuilder().Append(CultureInfo.InvariantCulture,
            $"{(summary.Warning is { } warning ? $"<p><strong>warning:</strong> {HtmlEncode(warning)}</p>" : "")}<p>snapshot {s.SnapshotId} at {s.TakenAt:u} in {HtmlEncode(summary.Database)}</p>{fleet}<table class=\"sideeye\"><thead><tr>{(hosts ? "<th>host</th><th>program</th>" : "")}<th>pid</th><th>executable</th><th>Go</th><th>goroutines</th><th>pause (ms)</th><th>captured</th><th>error</th><th>probe</th></tr></thead><tbody>");
        foreach (var p in s.Processes)
        {
            // A partial snapshot (captures left out, say) has its goroutines and its error both.
            var taken = p.Goroutines.Count > 0;
            var goroutines = taken ? p.Goroutines.Count.ToString(CultureInfo.InvariantCulture) + (p.Truncated ? " (truncated)" : "") : "";
            var pause = taken ? (p.PauseNs / 1e6).ToString("F3", CultureInfo.InvariantCulture) : "";
            // Memory that was not resident: what faulting it in cost the pause, and what stayed unread.
            if (taken && p.Reads?.Describe() is { } reads) pause += $"<br><small>{HtmlEncode(reads)}</small>";
            var wait = p.Timings is { } t && p.MonotonicNs is { } start ? t.ProbeWaitSplit((ulong)start, (ulong)(start + p.ProbeNs)) : "";
            var probe = p.Probe is { } load
                ? $"<details><summary>{(load.Verifier is { } v ? $"{v.LimitShare * 100:0.##}% of the verifier's limit" : "details")}</summary>{HtmlEncode(load.ToString())}<br>{HtmlEncode(p.Timings?.ToString() ?? "")}<br>{HtmlEncode(wait)}</details>"
                : "";
            var captured = p.Captures is { Count: > 0 } values
                ? $"{values.Count} values in {values.Select(v => (v.Goid, v.Depth)).Distinct().Count()} frames" + (values.Count(v => v.ValueJson is null) is > 0 and var missing ? $" ({missing} unavailable)" : "")
                : p.Requested is { Count: > 0 } ? "none (no frame of the captured functions)" : "";
            html.Append(CultureInfo.InvariantCulture,
                $"<tr>{(hosts ? $"<td>{HtmlEncode(p.Host ?? p.Hostname)}</td><td>{HtmlEncode(p.Program ?? "")}</td>" : "")}<td>{p.Pid}</td><td>{HtmlEncode(p.Exe)}</td><td>{HtmlEncode(p.GoVersion)}</td><td>{goroutines}</td><td>{pause}</td><td>{captured}</td><td>{HtmlEncode(p.Error ?? "")}</td><td>{probe}</td></tr>");
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
        // Over several processes, each group says how many it spans.
        var spread = view.Groups.SelectMany(g => g.Pids.Select((pid, i) => (g.Hosts[i], pid))).Distinct().Count() > 1;
        html.Append("<table class=\"sideeye\"><thead><tr><th>goroutines</th><th>states</th><th>longest wait</th><th>where</th><th>created by</th><th>stack</th></tr></thead><tbody>");
        foreach (var g in view.Groups)
        {
            var states = string.Join(", ", g.States.Select(s => $"{s.Value} {s.Key}"));
            var values = view.Values.GetValueOrDefault(g.Key) ?? [];
            var frames = new StringBuilder();
            // Frames runtime.Stack hides (the runtime's own, compiler wrappers) are left out, unless it shows none of
            // them (the runtime's own goroutines); values stay at their depth.
            var showAll = !g.Frames.Any(f => f.Shown);
            var links = view.Links.GetValueOrDefault(g.Key) ?? [];
            for (var depth = 0; depth < g.Frames.Count; depth++)
            {
                if (!showAll && !g.Frames[depth].Shown) continue;
                frames.Append(HtmlEncode(g.Frames[depth].ToString())).Append("<br>");
                foreach (var v in values.Where(v => v.Depth == depth))
                    frames.Append("&nbsp;&nbsp;&nbsp;&nbsp;").Append(GroupValueHtml(v)).Append("<br>");
                foreach (var l in links.Where(l => l.FromDepth == depth).GroupBy(l => (l.Link, l.ToTable)))
                    frames.Append("&nbsp;&nbsp;&nbsp;&nbsp;").Append(LinkedHtml(l.Key.Link, l.Key.ToTable, l.ToList(), g.Hosts)).Append("<br>");
            }
            // Links from a table that does not keep frame depths: after the stack.
            foreach (var l in links.Where(l => l.FromDepth is not { } d || d >= g.Frames.Count).GroupBy(l => (l.Link, l.ToTable)))
                frames.Append(LinkedHtml(l.Key.Link, l.Key.ToTable, l.ToList(), g.Hosts)).Append("<br>");
            var captured = values.Count == 0 ? "" : $", {values.Select(v => v.Expression).Distinct().Count()} values";
            var open = values.Count > 0 ? " open" : "";
            html.Append(CultureInfo.InvariantCulture,
                $"<tr><td>{g.Count}{(spread ? $"<br><small>{InProcesses(g.Processes, g.HostCount)}</small>" : "")}</td><td>{HtmlEncode(states)}</td><td>{Duration(g.LongestWait)}</td><td>{HtmlEncode(g.Where?.Func ?? "")}</td><td>{HtmlEncode(string.Join(", ", g.CreatedBy))}</td>" +
                $"<td><details{open}><summary>{g.VisibleFrames.Count} frames{captured}; goroutines {Goids(g)}</summary><code>{frames}</code></details></td></tr>");
        }
        return html.Append("</tbody></table>").ToString();
    }

    /// <summary>An expression's values across a group: each distinct one with its count, the commonest first, at most five.</summary>
    static string GroupValueHtml(GroupValue v)
    {
        const int shown = 5;
        var parts = v.Values.Take(shown).Select(d => $"<span title=\"{HtmlEncode(v.Type)}\">{HtmlEncode(Cut(d.Key))}</span>{(v.Values.Count > 1 || d.Value > 1 ? $" ×{d.Value}" : "")}");
        var more = v.Values.Count > shown ? $" … {v.Values.Count - shown} more distinct" : "";
        return $"<b>{HtmlEncode(v.Expression)}</b> = {string.Join(" | ", parts)}{more}";
    }

    /// <summary>"→ http (http_server_calls): 3 goroutines in 1 process: 22 (pid 7), …", the goroutines a link leads to from a group.</summary>
    /// <param name="groupHosts">The group's own hosts: a target on another host says which.</param>
    static string LinkedHtml(string link, string toTable, IReadOnlyList<Snapshots.Reports.LinkPair> pairs, IReadOnlyList<string> groupHosts)
    {
        const int shown = 5;
        var targets = pairs.Select(p => p.To).Distinct().OrderBy(t => t.Host, StringComparer.Ordinal).ThenBy(t => t.Pid).ThenBy(t => t.Goid).ToList();
        var processes = targets.Select(t => (t.Host, t.Pid)).Distinct().Count();
        var listed = targets.Take(shown).Select(t => $"{t.Goid} (pid {t.Pid}{(groupHosts.Contains(t.Host) ? "" : $" on {HtmlEncode(t.Host)}")})");
        return $"&rarr; <b>{HtmlEncode(link)}</b> ({HtmlEncode(toTable)}): {targets.Count} goroutine{(targets.Count == 1 ? "" : "s")} in {processes} process{(processes == 1 ? "" : "es")}: "
            + string.Join(", ", listed) + (targets.Count > shown ? ", …" : "");
    }

    /// <summary>A few of a group's goroutine ids, for #!sideeye goroutine --goid.</summary>
    static string Goids(StackGroup g)
    {
        const int shown = 5;
        var hosts = g.HostCount > 1;
        var ids = g.Goids.Take(shown).Select((goid, i) =>
            hosts ? $"{goid} (pid {g.Pids[i]} on {HtmlEncode(g.Hosts[i])})"
            : g.Pids.Distinct().Count() > 1 ? $"{goid} (pid {g.Pids[i]})" : goid.ToString(CultureInfo.InvariantCulture));
        return string.Join(", ", ids) + (g.Goids.Count > shown ? ", …" : "");
    }

    /// <summary>A long JSON value cut for a table cell (SQL and the goroutine view have it whole).</summary>
    static string Cut(string text) => text.Length <= 200 ? text : text[..200] + "…";

    static string Duration(TimeSpan? t) => t is not { } d ? "" : d.TotalMinutes >= 1 ? Uptime(d) : d.TotalSeconds >= 1 ? $"{d.TotalSeconds:F1}s" : $"{d.TotalMilliseconds:F0}ms";

    public static string Spec(SpecView view)
    {
        var html = new StringBuilder().Append(CultureInfo.InvariantCulture, $"<p>capture spec in {HtmlEncode(view.Path)}");
        html.Append(view.CheckedAgainst is null ? " (not checked: no process of the program is running)" : $", checked against {HtmlEncode(view.CheckedAgainst)}").Append("</p>");
        if (view.Spec.Programs.Count == 0) return html.Append("<p>nothing is captured yet: <code>#!sideeye capture FUNC EXPR… --exe NAME</code></p>").ToString();
        html.Append("<table class=\"sideeye\"><thead><tr><th>program</th><th>function</th><th>expression</th><th>type</th></tr></thead><tbody>");
        foreach (var program in view.Spec.Programs)
            foreach (var function in program.Functions)
                foreach (var expression in function.Expressions)
                {
                    var check = view.Checks?.FirstOrDefault(c => c.Function == function.Function && c.Expression == expression);
                    var type = check is null ? "" : check.Error is null ? HtmlEncode(check.Type ?? "") : $"<span style=\"color:#b00\">{HtmlEncode(check.Error)}</span>";
                    html.Append(CultureInfo.InvariantCulture,
                        $"<tr><td>{HtmlEncode(program.Binary)}</td><td>{HtmlEncode(function.Function)}</td><td><code>{HtmlEncode(expression)}</code></td><td>{type}</td></tr>");
                }
        return html.Append("</tbody></table>").ToString();
    }

    /// <summary>A goroutine as runtime.Stack heads it, then each frame with the values captured in it.</summary>
    public static string Goroutine(GoroutineDetail g)
    {
        var html = new StringBuilder().Append(CultureInfo.InvariantCulture,
            $"<p><b>{HtmlEncode(g.Header)}</b> in process {g.Pid} on {HtmlEncode(g.Host)} ({HtmlEncode(g.Exe)}), snapshot {g.SnapshotId}</p><ul>");
        if (g.Waited is { } waited) html.Append(CultureInfo.InvariantCulture, $"<li>waiting for {Duration(waited)}</li>");
        if (g.ThreadId is { } tid) html.Append(CultureInfo.InvariantCulture, $"<li>on thread {tid}</li>");
        if (g.CreatedByFunc is { } creator) html.Append(CultureInfo.InvariantCulture, $"<li>created by {HtmlEncode(creator)}{(g.CreatedByGoid is { } by ? $" in goroutine {by}" : "")}</li>");
        if (g.Labels is { } labels) html.Append(CultureInfo.InvariantCulture, $"<li>labels <code>{HtmlEncode(labels)}</code></li>");
        if (g.Truncated) html.Append("<li>the stack goes on beyond the snapshot's frame limit</li>");
        html.Append("</ul>");
        FramesTable(html, g);
        if (g.Linked.Count == 0) return html.ToString();
        // The spec's links from this goroutine: each row with its table, its values and the goroutine it names, ready to open.
        html.Append("<p>linked</p><table class=\"sideeye\"><thead><tr><th>link</th><th>row of</th><th>values</th><th>goroutine</th></tr></thead><tbody>");
        foreach (var l in g.Linked)
        {
            var values = string.Join(", ", l.Columns.Select((c, k) => $"{HtmlEncode(c)}={HtmlEncode(Convert.ToString(l.Values[k], CultureInfo.InvariantCulture) ?? "NULL")}"));
            var open = l.Goroutine is { } t ? $"<code>#!sideeye goroutine --goid {t.Goid} --pid {t.Pid} --where host={HtmlEncode(t.Host)} --snapshot {t.SnapshotId}</code>" : "";
            html.Append(CultureInfo.InvariantCulture, $"<tr><td>{HtmlEncode(l.Link)}</td><td>{HtmlEncode(l.ToTable)}</td><td>{values}</td><td>{open}</td></tr>");
        }
        html.Append("</tbody></table>");
        // The linked goroutines themselves, inline: the other half of a distributed stack, where its request waits.
        foreach (var d in g.Linked.Select(l => l.Detail).OfType<GoroutineDetail>().DistinctBy(d => (d.SnapshotId, d.Host, d.Pid, d.Goid)))
        {
            html.Append(CultureInfo.InvariantCulture,
                $"<details open><summary>linked: <b>{HtmlEncode(d.Header)}</b> in process {d.Pid} on {HtmlEncode(d.Host)} ({HtmlEncode(d.Exe)}){(d.Waited is { } w ? $", waiting for {Duration(w)}" : "")}</summary>");
            FramesTable(html, d);
            html.Append("</details>");
        }
        return html.ToString();
    }

    /// <summary>A goroutine's frames, runtime.Stack's and those with captured values, each with its values.</summary>
    static void FramesTable(StringBuilder html, GoroutineDetail g)
    {
        html.Append("<table class=\"sideeye\"><thead><tr><th>#</th><th>function</th><th>file:line</th><th>captured</th></tr></thead><tbody>");
        foreach (var f in StackGroupFrame.Visible(g.Frames, f => f.Shown || f.Values.Count > 0))
        {
            var values = string.Join("<br>", f.Values.Select(v =>
                $"<b>{HtmlEncode(v.Expression)}</b> <i>{HtmlEncode(v.Type)}</i> = {(v.Json is null ? $"<span style=\"color:#888\">unavailable: {HtmlEncode(v.Unavailable ?? "")}</span>" : $"<code>{HtmlEncode(v.Json)}</code>")}"));
            html.Append(CultureInfo.InvariantCulture,
                $"<tr><td>{f.Depth}</td><td>{HtmlEncode(f.Func)}{(f.Inlined ? " <i>(inlined)</i>" : "")}</td><td>{HtmlEncode(f.File)}:{f.Line}</td><td>{values}</td></tr>");
        }
        html.Append("</tbody></table>");
    }

    /// <summary>"in 3 processes on 2 hosts".</summary>
    static string InProcesses(int processes, int hosts) =>
        $"in {processes} process{(processes == 1 ? "" : "es")} on {hosts} host{(hosts == 1 ? "" : "s")}";

    /// <summary>The report's rows as a table; a row naming a goroutine carries the line that opens it.</summary>
    public static string Report(ReportView view)
    {
        var r = view.Report;
        var where = r.SnapshotId is { } id ? $"snapshot {id}" : "every snapshot";
        var html = new StringBuilder().Append(CultureInfo.InvariantCulture,
            $"<p>report <strong>{HtmlEncode(r.Table.Name)}</strong>{(r.Table.Description is { } d ? $": {HtmlEncode(d)}" : "")} ({where} in {HtmlEncode(view.Database)}): {r.Total} rows{(r.Total > r.Rows.Count ? $", the first {r.Rows.Count} shown" : "")}</p>");
        html.Append("<table class=\"sideeye\"><thead><tr>");
        foreach (var c in r.Columns) html.Append(CultureInfo.InvariantCulture, $"<th>{HtmlEncode(c)}</th>");
        if (r.NamesGoroutines) html.Append("<th>goroutine</th>");
        html.Append("</tr></thead><tbody>");
        var index = r.Columns.Select((c, i) => (c, i)).ToDictionary(x => x.c, x => x.i, StringComparer.OrdinalIgnoreCase);
        foreach (var row in r.Rows)
        {
            html.Append("<tr>");
            foreach (var v in row) html.Append(CultureInfo.InvariantCulture, $"<td>{HtmlEncode(Convert.ToString(v, CultureInfo.InvariantCulture) ?? "")}</td>");
            if (r.NamesGoroutines)
                html.Append(CultureInfo.InvariantCulture,
                    $"<td><code>#!sideeye goroutine --goid {row[index["goid"]]} --pid {row[index["pid"]]} --where host={HtmlEncode(Convert.ToString(row[index["host"]], CultureInfo.InvariantCulture))} --snapshot {row[index["snapshot_id"]]}</code></td>");
            html.Append("</tr>");
        }
        return html.Append("</tbody></table>").ToString();
    }

    /// <summary>Each value holding the text, with its goroutine (and the line that opens it), frame, function and expression.</summary>
    public static string Search(SearchView view)
    {
        var goroutines = view.Matches.Select(m => (m.Host, m.Pid, m.Goid)).Distinct().Count();
        var html = new StringBuilder().Append(CultureInfo.InvariantCulture,
            $"<p>snapshot {view.SnapshotId} in {HtmlEncode(view.Database)}: {(view.Matches.Count == 0 ? "no captured value holds" : $"{view.Matches.Count} values in {goroutines} goroutines hold")} <code>{HtmlEncode(view.Text)}</code></p>");
        if (view.Matches.Count == 0) return html.ToString();
        html.Append("<table class=\"sideeye\"><thead><tr><th>host</th><th>pid</th><th>goroutine</th><th>frame</th><th>function</th><th>expression</th><th>value</th></tr></thead><tbody>");
        foreach (var m in view.Matches)
        {
            var open = $"#!sideeye goroutine --goid {m.Goid} --pid {m.Pid} --snapshot {m.SnapshotId}";
            html.Append(CultureInfo.InvariantCulture,
                $"<tr><td>{HtmlEncode(m.Host)}</td><td class=\"n\">{m.Pid}</td><td class=\"n\" title=\"{HtmlEncode(open)}\">{m.Goid}</td><td class=\"n\">{m.Depth}</td><td><code>{HtmlEncode(m.Function)}</code></td><td><code>{HtmlEncode(m.Expression)}</code></td><td><code>{HtmlEncode(m.Excerpt)}</code></td></tr>");
        }
        return html.Append("</tbody></table>").ToString();
    }

    public static string Diff(DiffView view)
    {
        if (view.Changes.Count == 0) return $"<p>snapshots {view.Before} and {view.After} have the same stack groups</p>";
        var html = new StringBuilder().Append(CultureInfo.InvariantCulture,
            $"<p>from snapshot {view.Before} to {view.After} in {HtmlEncode(view.Database)}</p><table class=\"sideeye\"><thead><tr><th>change</th><th>before</th><th>after</th><th>where</th><th>stack</th></tr></thead><tbody>");
        foreach (var c in view.Changes)
        {
            var frames = string.Join("<br>", c.VisibleFrames.Select(f => HtmlEncode(f.ToString())));
            html.Append(CultureInfo.InvariantCulture,
                $"<tr><td>{c.Kind} {(c.Delta > 0 ? "+" : "")}{c.Delta}</td><td>{c.Before}</td><td>{c.After}{(c.Processes > 1 ? $"<br><small>{InProcesses(c.Processes, c.HostCount)}</small>" : "")}</td><td>{HtmlEncode(c.Where?.Func ?? "")}</td><td><details><summary>{c.VisibleFrames.Count} frames</summary><code>{frames}</code></details></td></tr>");
        }
        return html.Append("</tbody></table>").ToString();
    }

    public static string Opened(OpenedStore opened)
    {
        var html = new StringBuilder().Append(CultureInfo.InvariantCulture,
            $"<p>{HtmlEncode(opened.Database)}: {opened.Snapshots.Count} snapshots</p><table class=\"sideeye\"><thead><tr><th>snapshot</th><th>taken</th><th>note</th><th>processes</th><th>goroutines</th></tr></thead><tbody>");
        foreach (var s in opened.Snapshots)
            html.Append(CultureInfo.InvariantCulture, $"<tr><td>{s.SnapshotId}</td><td>{s.TakenAt:u}</td><td>{HtmlEncode(s.Note ?? "")}</td><td>{s.Processes}</td><td>{s.Goroutines}</td></tr>");
        return html.Append("</tbody></table>").ToString();
    }

    static string Uptime(TimeSpan t) => t.TotalDays >= 1
        ? $"{(int)t.TotalDays}d {t.Hours}h"
        : t.TotalHours >= 1 ? $"{(int)t.TotalHours}h {t.Minutes}m" : $"{(int)t.TotalMinutes}m {t.Seconds}s";
}
