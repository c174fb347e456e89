using System.CommandLine;
using SideEye.Snapshots.Collection;
using SideEye.Snapshots.Model;
using SideEye.Snapshots.Store;

namespace SideEye.Cli.Commands;

/// <summary>
/// sideeye snapshot --pid PID [--pid PID …] --out FILE.duckdb: appends one snapshot of the processes to the
/// store and prints goroutines by status, the largest groups of identical stacks and the pause time.
/// </summary>
public static class SnapshotCommand
{
    public static Command Create(TextWriter stdout)
    {
        var pids = new Option<int[]>("--pid") { Description = "process to snapshot (repeat for several)", Required = true, AllowMultipleArgumentsPerToken = true };
        var output = new Option<string>("--out") { Description = "DuckDB file to append the snapshot to (created if needed)", Required = true };
        // 100 like the runtime's own traceback limit; deeper stacks are cut and the process row says truncated.
        var maxFrames = new Option<int>("--max-frames") { Description = "deepest stack collected per goroutine (2 to 1024)", DefaultValueFactory = _ => 100 };
        var note = new Option<string?>("--note") { Description = "a note stored with the snapshot" };
        // The bound on how long a target may stay stopped; past it the target is resumed and the process reports an error.
        var maxPause = new Option<int>("--max-pause-ms") { Description = "longest a process may stay paused, in milliseconds", DefaultValueFactory = _ => 500 };
        var command = new Command("snapshot", "pause Go processes for about a millisecond and store every goroutine with its stack") { pids, output, maxFrames, note, maxPause };
        command.SetAction(parse =>
        {
            var limit = parse.GetValue(maxPause);
            if (limit <= 0) throw new SideEyeException($"--max-pause-ms must be positive, not {limit}");
            using var snapshotter = new LocalSnapshotter { MaxFrames = parse.GetValue(maxFrames), MaxPause = TimeSpan.FromMilliseconds(limit) };
            var snapshot = snapshotter.Take(parse.GetValue(pids)!, parse.GetValue(note));
            long id;
            using (var store = SnapshotStore.Open(parse.GetValue(output)!)) id = store.Append(snapshot);
            WriteSummary(stdout, snapshot with { SnapshotId = id });
            return snapshot.Processes.Any(p => p.Error is not null) ? CliApp.ExitError : 0;
        });
        return command;
    }

    static void WriteSummary(TextWriter o, Snapshot s)
    {
        o.WriteLine($"snapshot {s.SnapshotId} at {s.TakenAt:u}");
        foreach (var p in s.Processes)
        {
            if (p.Error is not null)
            {
                o.WriteLine($"process {p.Pid}: error: {p.Error}");
                continue;
            }
            o.WriteLine($"process {p.Pid} ({p.Exe}, {p.GoVersion}): {p.Goroutines.Count} goroutines, paused {p.PauseNs / 1e6:F3} ms, probe {p.ProbeNs / 1e6:F3} ms{(p.Truncated ? ", TRUNCATED" : "")}");
            if (p.Timings is { } t) o.WriteLine($"  {t}");
            foreach (var g in p.Goroutines.GroupBy(g => g.WaitReason ?? g.Status).OrderByDescending(g => g.Count()))
                o.WriteLine($"  {g.Count(),7}  {g.Key}");
            o.WriteLine("  largest groups of identical stacks:");
            var groups = p.Goroutines.GroupBy(g => string.Join('\n', g.Frames.Select(f => $"{f.Func} {f.File}:{f.Line}")))
                .OrderByDescending(g => g.Count()).Take(10);
            foreach (var group in groups)
            {
                var first = group.First();
                var top = first.Frames.FirstOrDefault(f => !f.Func.StartsWith("runtime.", StringComparison.Ordinal)) ?? first.Frames.FirstOrDefault();
                o.WriteLine($"  {group.Count(),7}  [{first.WaitReason ?? first.Status}] {top?.Func ?? "(no stack)"} {(top is null ? "" : $"{top.File}:{top.Line}")}");
            }
        }
    }
}
