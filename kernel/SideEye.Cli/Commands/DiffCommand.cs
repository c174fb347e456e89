using System.CommandLine;
using SideEye.Cli.Text;
using SideEye.Snapshots.Analysis;
using SideEye.Snapshots.Selection;
using SideEye.Snapshots.Store;

namespace SideEye.Cli.Commands;

/// <summary>
/// sideeye diff FILE.duckdb --before ID --after ID [--pid PID] [--where SELECTOR …]: the stack groups whose goroutine count changed
/// between two stored snapshots (<see cref="StackGroupDiff"/>, as the notebook's #!sideeye diff), biggest change
/// first, each with where it is and its frames; a group that keeps growing is where a leak is.
/// </summary>
public static class DiffCommand
{
    public static Command Create(TextWriter stdout)
    {
        var file = new Argument<string>("file") { Description = "snapshot store (a DuckDB file written by sideeye snapshot)" };
        var before = new Option<long>("--before") { Description = "the earlier snapshot's id", Required = true };
        var after = new Option<long>("--after") { Description = "the later snapshot's id", Required = true };
        var pid = new Option<int?>("--pid") { Description = "only this process (in either snapshot)" };
        var where = WhereOption.Create();
        var command = new Command("diff", "stack groups that appeared, grew, shrank or went between two stored snapshots") { file, before, after, pid, where };
        command.SetAction(parse =>
        {
            using var store = SnapshotStore.OpenReadOnly(parse.GetValue(file)!);
            var from = SnapshotIds.Resolve(store, parse.GetValue(before));
            var to = SnapshotIds.Resolve(store, parse.GetValue(after));
            var only = parse.GetValue(pid);
            if (only is { } p)
            {
                // A process may come or go between two snapshots; in neither, the pid is a mistake.
                var pids = StoredSnapshots.Processes(store, from).Concat(StoredSnapshots.Processes(store, to)).Select(x => x.Pid).Distinct().Order().ToArray();
                if (!pids.Contains(p))
                    throw new SideEyeException($"snapshots {from} and {to} have no process {p} (they have {(pids.Length > 0 ? string.Join(", ", pids) : "none")})");
            }
            var chosen = ProcessFilter.Of(pid: only, where: parse.GetValue(where));
            var changes = StackGroupDiff.Between(StackGroups.Of(store, from, chosen), StackGroups.Of(store, to, chosen));
            Write(stdout, store.Path, from, to, chosen, changes);
            return 0;
        });
        return command;
    }

    static void Write(TextWriter o, string path, long from, long to, ProcessFilter processes, IReadOnlyList<StackGroupChange> changes)
    {
        var scope = processes.IsAll ? "" : " " + processes;
        if (changes.Count == 0)
        {
            o.WriteLine($"snapshots {from} and {to}{scope} in {path} have the same stack groups");
            return;
        }
        var net = changes.Sum(c => c.Delta);
        o.WriteLine($"from snapshot {from} to {to}{scope} in {path}: {GroupText.Plural(changes.Count, "stack group")} changed, {net:+0;-0;0} goroutine{(Math.Abs(net) == 1 ? "" : "s")}");
        foreach (var c in changes)
        {
            o.WriteLine();
            o.WriteLine($"  {c.Kind,-8} {c.Delta,5:+0;-0}  {c.Before} -> {c.After}  {GroupText.Spread(c)}{GroupText.Where(c.Where)}");
            GroupText.WriteFrames(o, c.Frames);
        }
    }
}
