using System.Globalization;
using SideEye.Interactive.Directives;
using SideEye.Interactive.Formatters;
using SideEye.Snapshots.Analysis;
using SideEye.Snapshots.Selection;
using SideEye.Snapshots.Store;

namespace SideEye.Interactive.Subcommands;

/// <summary>#!sideeye stacks, goroutine, diff and open: views of snapshots already stored, fresh or reopened alike.</summary>
static class StoredSnapshots
{
    /// <param name="words">The line's words, for its --where selectors.</param>
    public static StacksView Stacks(NotebookSession session, StacksCommand command, IReadOnlyList<string> words, bool includePlotly)
    {
        var database = session.Resolve(command.Db);
        using var store = SnapshotStore.OpenReadOnly(database);
        var id = SnapshotIds.Resolve(store, command.Snapshot);
        var processes = ProcessFilter.Of(pid: command.Pid, where: SubmittedText.Values(words, "--where"));
        var groups = StackGroups.Of(store, id, processes, command.Filter);
        if (groups.Count == 0 && command.Filter is null)
            throw new SideEyeException(processes.IsAll ? $"snapshot {id} has no goroutines" : $"snapshot {id} has no goroutines of {processes}");
        var values = GroupValues.Of(groups, FrameValues.Of(store, id, processes));
        // Each group's goroutines' links, by group: a client's calls lead to the server goroutines serving them.
        var groupOf = new Dictionary<(string, int, long), string>();
        foreach (var g in groups)
            for (var i = 0; i < g.Goids.Count; i++) groupOf[(g.Hosts[i], g.Pids[i], g.Goids[i])] = g.Key;
        var links = Snapshots.Reports.GoroutineLinks.InSnapshot(store, session.Spec.Reports, id)
            .Where(p => groupOf.ContainsKey((p.From.Host, p.From.Pid, p.From.Goid)))
            .GroupBy(p => groupOf[(p.From.Host, p.From.Pid, p.From.Goid)])
            .ToDictionary(g => g.Key, g => (IReadOnlyList<Snapshots.Reports.LinkPair>)g.ToList());
        return new StacksView(id, database, command.Filter, groups, StackTree.Of(groups), includePlotly, values) { Links = links };
    }

    /// <param name="words">The line's words, for its --where selectors.</param>
    public static GoroutineDetail Goroutine(NotebookSession session, GoroutineCommand command, IReadOnlyList<string> words)
    {
        if (new object?[] { command.Goid, command.In, command.Report }.Count(o => o is not null) != 1)
            throw new SideEyeException("goroutine needs one of --goid N, --in FUNC or --report NAME");
        if (command.Row is not null && command.Report is null) throw new SideEyeException("--row goes with --report NAME");
        using var store = SnapshotStore.OpenReadOnly(session.Resolve(command.Db));
        var id = SnapshotIds.Resolve(store, command.Snapshot);
        var processes = ProcessFilter.Of(pid: command.Pid, where: SubmittedText.Values(words, "--where"));
        var inProcess = processes.IsAll ? "" : $" in {processes}";
        var detail = command.Goid is { } goid
            ? GoroutineDetails.Of(store, id, goid, processes) ?? throw new SideEyeException($"snapshot {id} has no goroutine {goid}{inProcess}")
            : command.In is { } function
            ? GoroutineDetails.Through(store, id, function, processes) ?? throw new SideEyeException($"snapshot {id} has no goroutine in a function matching '{function}'{inProcess}")
            : FromReport(store, session, command.Report!, command.Row ?? 1, id, processes);
        // Where the spec's links lead from it: another process's, or another machine's, goroutine that holds its request.
        return detail with { Linked = Snapshots.Reports.GoroutineLinks.Of(store, session.Spec.Reports, id, detail.Host, detail.Pid, detail.Goid) };
    }

    /// <summary>The goroutine row <paramref name="row"/> (from 1) of a report names, in the report's own order.</summary>
    static GoroutineDetail FromReport(SnapshotStore store, NotebookSession session, string report, int row, long id, ProcessFilter processes)
    {
        if (row < 1) throw new SideEyeException($"--row {row}: rows count from 1");
        var rows = Snapshots.Reports.ReportRows.Of(store, session.Spec.Reports, report, id, processes);
        if (!rows.NamesGoroutines) throw new SideEyeException($"report {rows.Table.Name} names no goroutines (it needs snapshot_id, host, pid and goid columns)");
        var at = rows.GoroutineAt(row - 1) ?? throw new SideEyeException($"report {rows.Table.Name} has {rows.Rows.Count} rows in snapshot {id}, not {row}");
        return GoroutineDetails.Of(store, at.SnapshotId, at.Goid, ProcessFilter.Of(host: at.Host, pid: at.Pid))
            ?? throw new SideEyeException($"row {row} of report {rows.Table.Name} names goroutine {at.Goid} in process {at.Pid} on {at.Host}, which snapshot {at.SnapshotId} does not have");
    }

    /// <param name="words">The line's words: the report's name (the one that is not an option or its value) and --where selectors.</param>
    public static ReportView Report(NotebookSession session, ReportCommand command, IReadOnlyList<string> words)
    {
        var names = SubmittedText.Positional(words, new HashSet<string> { "--snapshot", "--pid", "--where", "--db" });
        if (names.Count != 1) throw new SideEyeException("report needs the name of one of the spec's tables: report NAME");
        var database = session.Resolve(command.Db);
        using var store = SnapshotStore.OpenReadOnly(database);
        var processes = ProcessFilter.Of(pid: command.Pid, where: SubmittedText.Values(words, "--where"));
        return new ReportView(database, Snapshots.Reports.ReportRows.Of(store, session.Spec.Reports, names[0], command.Snapshot, processes));
    }

    /// <param name="words">The line's words: the text is those that are not an option or its value, joined by spaces.</param>
    public static SearchView Search(NotebookSession session, SearchCommand command, IReadOnlyList<string> words)
    {
        var text = SubmittedText.Positional(words, new HashSet<string> { "--snapshot", "--db" });
        if (text.Count == 0) throw new SideEyeException("search needs a text: search TEXT");
        var database = session.Resolve(command.Db);
        using var store = SnapshotStore.OpenReadOnly(database);
        var id = SnapshotIds.Resolve(store, command.Snapshot);
        return new SearchView(string.Join(' ', text), id, database, ValueSearch.Find(store, string.Join(' ', text), id));
    }

    /// <param name="words">The line's words: "diff A B" names the snapshots without --before and --after; and its --where selectors.</param>
    public static DiffView Diff(NotebookSession session, DiffCommand command, IReadOnlyList<string> words)
    {
        var (askedBefore, askedAfter) = (command.Before, command.After);
        var ids = new List<long>();
        for (var i = 0; i < words.Count; i++)
        {
            if (words[i].StartsWith("--", StringComparison.Ordinal)) { i++; continue; }
            ids.Add(long.TryParse(words[i], NumberStyles.None, CultureInfo.InvariantCulture, out var id)
                ? id : throw new SideEyeException($"diff: '{words[i]}' is not a snapshot id"));
        }
        if (ids.Count > 0 && (askedBefore is not null || askedAfter is not null)) throw new SideEyeException("diff takes the snapshots as A B or as --before A --after B, not both");
        if (ids.Count > 2) throw new SideEyeException("diff compares two snapshots: diff A B");
        if (ids.Count > 0) (askedBefore, askedAfter) = ids.Count == 2 ? ((long?)ids[0], (long?)ids[1]) : ((long?)null, (long?)ids[0]);
        var database = session.Resolve(command.Db);
        using var store = SnapshotStore.OpenReadOnly(database);
        var after = SnapshotIds.Resolve(store, askedAfter);
        var before = askedBefore is { } asked ? SnapshotIds.Resolve(store, asked) : SnapshotIds.Before(store, after);
        var processes = ProcessFilter.Of(pid: command.Pid, where: SubmittedText.Values(words, "--where"));
        var changes = StackGroupDiff.Between(StackGroups.Of(store, before, processes), StackGroups.Of(store, after, processes));
        return new DiffView(before, after, database, changes);
    }

    /// <summary>Makes a saved file the session's (a postmortem) and lists its snapshots.</summary>
    public static OpenedStore Open(NotebookSession session, OpenCommand command)
    {
        var database = session.FullPath(command.File ?? throw new SideEyeException("open needs a FILE"));
        using var store = SnapshotStore.OpenReadOnly(database);
        var rows = store.Query(
            "SELECT s.snapshot_id, s.note, count(p.pid), CAST(coalesce(sum(p.goroutines), 0) AS BIGINT), epoch_ms(s.taken_at) " +
            "FROM snapshots s LEFT JOIN processes p USING (snapshot_id) GROUP BY ALL ORDER BY s.snapshot_id").Rows;
        var invariant = CultureInfo.InvariantCulture;
        var snapshots = rows.Select(r => new StoredSnapshot(Convert.ToInt64(r[0], invariant),
            DateTimeOffset.FromUnixTimeMilliseconds(Convert.ToInt64(r[4], invariant)), r[1] as string,
            Convert.ToInt32(r[2], invariant), Convert.ToInt64(r[3], invariant))).ToArray();
        session.Database = database;
        return new OpenedStore(database, snapshots);
    }
}
