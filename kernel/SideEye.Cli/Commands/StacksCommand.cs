using System.CommandLine;
using SideEye.Cli.Text;
using SideEye.Snapshots.Analysis;
using SideEye.Snapshots.Selection;
using SideEye.Snapshots.Store;

namespace SideEye.Cli.Commands;

/// <summary>
/// sideeye stacks FILE.duckdb [--snapshot ID] [--pid PID] [--where SELECTOR …] [--filter FUNC] [--top N]: a stored snapshot's goroutines
/// grouped by identical stack (<see cref="StackGroups"/>, as the notebook's #!sideeye stacks), largest first, each
/// with its states, where it is, who created it, some of its goroutine ids and its frames, innermost first.
/// </summary>
public static class StacksCommand
{
    public static Command Create(TextWriter stdout)
    {
        var file = new Argument<string>("file") { Description = "snapshot store (a DuckDB file written by sideeye snapshot)" };
        var snapshot = new Option<long?>("--snapshot") { Description = "snapshot id (default: the latest)" };
        var pid = new Option<int?>("--pid") { Description = "only this process of the snapshot" };
        var where = WhereOption.Create();
        var filter = new Option<string?>("--filter") { Description = "only stacks through a function whose name contains this text" };
        var top = new Option<int?>("--top") { Description = "only the N largest groups (default: all)" };
        var command = new Command("stacks", "what the goroutines of a stored snapshot are doing: groups of identical stacks with their frames")
        {
            file, snapshot, pid, where, filter, top,
        };
        command.SetAction(parse =>
        {
            if (parse.GetValue(top) is { } n && n <= 0) throw new SideEyeException($"--top must be positive, not {n}");
            using var store = SnapshotStore.OpenReadOnly(parse.GetValue(file)!);
            var id = SnapshotIds.Resolve(store, parse.GetValue(snapshot));
            var processes = StoredSnapshots.Processes(store, id);
            var only = parse.GetValue(pid);
            if (only is { } p && processes.All(x => x.Pid != p))
                throw new SideEyeException(StoredSnapshots.NoSuchProcess(id, p, processes.Select(x => x.Pid).Distinct()));
            var chosen = ProcessFilter.Of(pid: only, where: parse.GetValue(where));
            var through = parse.GetValue(filter);
            var groups = StackGroups.Of(store, id, chosen, through);
            var severalHosts = processes.Select(x => x.Host).Distinct(StringComparer.Ordinal).Count() > 1;
            Write(stdout, store.Path, id, chosen, through, groups, parse.GetValue(top) ?? groups.Count,
                StoredSnapshots.Processes(store, id, chosen).Where(x => x.Error is not null).Select(x => (StoredSnapshots.Name(x, severalHosts), x.Error!)).ToArray());
            return 0;
        });
        return command;
    }

    static void Write(TextWriter o, string path, long id, ProcessFilter processes, string? filter, IReadOnlyList<StackGroup> groups, int top, IReadOnlyList<(string Process, string Error)> failed)
    {
        var scope = processes.IsAll ? "" : " " + processes;
        o.WriteLine($"snapshot {id}{scope} in {path}: {GroupText.Plural(groups.Sum(g => g.Count), "goroutine")} in {GroupText.Plural(groups.Count, "group")} of identical stacks" +
                    (filter is null ? "" : $" through {filter}"));
        foreach (var (process, error) in failed) o.WriteLine($"{process}: error: {error}");
        foreach (var g in groups.Take(top))
        {
            o.WriteLine();
            o.WriteLine($"{g.Count,8}  [{GroupText.States(g.States)}] {GroupText.Where(g.Where)}{GroupText.LongestWait(g)}");
            o.WriteLine($"{GroupText.Indent}{GroupText.Spread(g)}{(g.CreatedBy.Count > 0 ? $"created by {string.Join(", ", g.CreatedBy)}; " : "")}{GroupText.Goids(g.Goids)}");
            GroupText.WriteFrames(o, g.Frames);
        }
        if (groups.Count > top)
        {
            o.WriteLine();
            o.WriteLine($"{GroupText.Plural(groups.Count - top, "more group")} with {GroupText.Plural(groups.Skip(top).Sum(g => g.Count), "goroutine")} (--top to show more)");
        }
    }
}
