using System.CommandLine;
using SideEye.Cli.Text;
using SideEye.GoRuntime;
using SideEye.GoRuntime.Processes;
using SideEye.Probes.Planning;
using SideEye.Probes.Specs;
using SideEye.Snapshots.Analysis;
using SideEye.Snapshots.Collection;
using SideEye.Snapshots.Fleets;
using SideEye.Snapshots.Model;
using SideEye.Snapshots.Selection;
using SideEye.Snapshots.Store;

namespace SideEye.Cli.Commands;

/// <summary>
/// sideeye snapshot (--pid PID … | --exe NAME) --out FILE.duckdb [--spec FILE] [--capture FUNC=EXPR,… …] [--agent URL …]:
/// appends one snapshot of the processes, on this machine or through an agent on another, to the store and prints
/// goroutines by status, the largest groups of identical stacks, the pause time and, with captures, how many frames
/// of each function were captured and in which table. Captures are checked against each target's binary before
/// anything is paused.
/// </summary>
public static class SnapshotCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var pids = new Option<int[]>("--pid") { Description = "process to snapshot (repeat for several)", AllowMultipleArgumentsPerToken = true };
        var exe = new Option<string?>("--exe") { Description = "snapshot every Go process whose executable has this file name" };
        var output = new Option<string>("--out") { Description = "DuckDB file to append the snapshot to (created if needed)", Required = true };
        // 100 like the runtime's own traceback limit; deeper stacks are cut and the process row says truncated.
        var maxFrames = new Option<int>("--max-frames")
        {
            Description = $"frames kept per goroutine, counted as runtime.Stack counts them ({ProbePlan.MinMaxFrames} to {ProbePlan.MaxMaxFrames})",
            DefaultValueFactory = _ => SnapshotOptions.DefaultMaxFrames,
        };
        var note = new Option<string?>("--note") { Description = "a note stored with the snapshot" };
        // The bound on how long a target may stay stopped; past it the target is resumed and the process reports an error.
        var maxPause = new Option<int>("--max-pause-ms")
        {
            Description = $"longest a process may stay paused, in milliseconds (1 to {SnapshotOptions.MaxMaxPauseMs})",
            DefaultValueFactory = _ => SnapshotOptions.DefaultMaxPauseMs,
        };
        // Memory an idle service has had paged out is read by faulting it in, for at most this long into the pause.
        var faultBudget = new Option<int>("--fault-budget-ms")
        {
            Description = $"how long the probe may fault in memory that is not resident (swapped out), in milliseconds; 0: never (at most half of --max-pause-ms)",
            DefaultValueFactory = _ => SnapshotOptions.DefaultFaultBudgetMs,
        };
        var spec = new Option<string?>("--spec") { Description = "capture spec (JSON): what to collect in which functions of which programs" };
        var capture = new Option<string[]>("--capture")
        {
            Description = "collect expressions in every frame of a function of the targets, e.g. 'main.(*server).handle=req.ID,req.URL.Path' (repeat for several functions)",
        };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "also print how each probe was made and verified (the verifier's statistics), where the probe wait went and, through an agent, the bytes on the wire" };
        var debugDir = DebugDirOption.Create();
        var agent = new AgentClientOptions();
        var fleet = new FleetClientOptions();
        var command = new Command("snapshot", "pause Go processes for about a millisecond and store every goroutine with its stack")
        {
            pids, exe, output, maxFrames, note, maxPause, faultBudget, spec, capture, verbose, debugDir,
        };
        agent.AddTo(command);
        fleet.AddTo(command);
        command.SetAction(async (parse, cancellation) =>
        {
            int frames;
            TimeSpan pause, faulting;
            try
            {
                frames = SnapshotOptions.MaxFrames(parse.GetValue(maxFrames));
                pause = SnapshotOptions.MaxPauseMs(parse.GetValue(maxPause));
                faulting = SnapshotOptions.FaultBudget(TimeSpan.FromMilliseconds(parse.GetValue(faultBudget)));
            }
            catch (SnapshotOptionException e)
            {
                stderr.WriteLine($"sideeye: {e.Message}");
                return CliApp.ExitUsage;
            }
            if (fleet.IsFleet(parse))
            {
                if ((parse.GetValue(pids) ?? []).Length > 0 || parse.GetValue(exe) is not null)
                    throw new SideEyeException("--fleet chooses processes with --where (program, host, exe, pid, a label …), not --pid or --exe");
                var options = new FleetSnapshotOptions { MaxFrames = frames, MaxPause = pause, FaultBudget = faulting, DebugInfo = DebugDirOption.Sources(parse, debugDir) };
                using var snapshotter = (await fleet.OpenAsync(parse, agent, options, cancellation))!;
                var where = fleet.Where(parse);
                if (parse.GetValue(spec) is not null || (parse.GetValue(capture) ?? []).Length > 0)
                {
                    var listed = (await snapshotter.ListAsync(where, cancellation)).Where(t => t.Process is not null).ToArray();
                    snapshotter.Captures = await Captures(parse.GetValue(spec), parse.GetValue(capture) ?? [], listed.Select(t => t.Process!).ToArray(),
                        p => snapshotter.OpenBinaryAsync(listed.First(t => t.Process == p), cancellation));
                }
                return WriteFleetSnapshot(stdout, stderr, await snapshotter.TakeAsync(where, parse.GetValue(note), cancellation), parse.GetValue(output)!, parse.GetValue(verbose));
            }
            fleet.RefuseWhereWithoutFleet(parse);
            if ((parse.GetValue(pids) ?? []).Length == 0 && parse.GetValue(exe) is null)
            {
                stderr.WriteLine("sideeye: say which processes: --pid PID (repeat for several) or --exe NAME");
                return CliApp.ExitUsage;
            }
            using var connection = agent.Connect(parse);
            using ISnapshotter machine = connection is null
                ? new LocalSnapshotter { MaxFrames = frames, MaxPause = pause, FaultBudget = faulting, DebugInfo = DebugDirOption.Sources(parse, debugDir) }
                : new RemoteSnapshotter(connection, binaries: new OpenedBinaries(DebugDirOption.Sources(parse, debugDir))) { MaxFrames = frames, MaxPause = pause, FaultBudget = faulting };
            var targets = await Targets(machine, parse.GetValue(pids) ?? [], parse.GetValue(exe), cancellation);
            if (parse.GetValue(spec) is not null || (parse.GetValue(capture) ?? []).Length > 0)
                machine.Captures = await Captures(parse.GetValue(spec), parse.GetValue(capture) ?? [], await machine.ListAsync(targets.ToArray(), cancellation: cancellation),
                    p => machine.OpenBinaryAsync(p, cancellation));
            var snapshot = await machine.TakeAsync(targets, parse.GetValue(note), cancellation);
            using (var store = SnapshotStore.Open(parse.GetValue(output)!))
            {
                if (store.Warning is { } warning) stderr.WriteLine($"sideeye: warning: {warning}");
                snapshot = snapshot with { SnapshotId = store.Append(snapshot) };
                WriteSummary(stdout, store, snapshot, parse.GetValue(verbose));
            }
            if (parse.GetValue(verbose) && connection is not null && machine is RemoteSnapshotter remote)
                stdout.WriteLine($"agent {connection.Address}: {connection.Wire.BytesReceived} bytes received, {connection.Wire.BytesSent} sent; " +
                                 $"{remote.ExecutableBytesFetched} of them executables");
            return snapshot.Processes.Any(p => p.Error is not null) ? CliApp.ExitError : 0;
        });
        return command;
    }

    /// <summary>The pids given (each once) and, with --exe, every Go process running an executable of that name.</summary>
    static async Task<IReadOnlyList<int>> Targets(ISnapshotter machine, int[] pids, string? exe, CancellationToken cancellation)
    {
        var targets = pids.Distinct().ToList();
        if (exe is null) return targets;
        var matching = (await machine.ListAsync(null, cancellation: cancellation)).Where(p => ProgramCaptures.ProgramName(p.Exe) == exe).Select(p => p.Pid).ToArray();
        if (matching.Length == 0) throw new SideEyeException($"--exe {exe}: no Go process on {machine.Host} runs an executable of that name");
        return targets.Union(matching).ToArray();
    }

    /// <summary>
    /// The spec file, if any, plus each --capture for every target's program (keyed, as specs are, by the
    /// executable's file name), checked against each target's binary: an expression that cannot work stops the
    /// command here, before any process is paused, with the resolver's reason. A target whose executable cannot
    /// be read, or that has no debug info, is left to the snapshot, which reports it in that process's row (without
    /// debug info: its goroutines taken, its captures not).
    /// </summary>
    static async Task<CaptureSpec> Captures(string? specFile, string[] captureArguments, IReadOnlyList<GoProcessInfo> processes, Func<GoProcessInfo, Task<GoBinary>> open)
    {
        var spec = specFile is null ? CaptureSpec.Empty : CaptureSpecFile.Load(specFile);
        var functions = captureArguments.Select(CaptureArgument.Parse).ToArray();
        if (spec.Programs.Count == 0 && functions.Length == 0) return spec;

        foreach (var p in processes)
            foreach (var f in functions)
                spec = spec.WithCapture(ProgramCaptures.ProgramName(p.Exe), f.Function, [.. f.Expressions]);

        // One check per executable: across a fleet, one path may hold different builds.
        foreach (var group in processes.GroupBy(p => (p.Exe, p.BuildId)))
        {
            var process = group.First();
            if (spec.For(process.Exe) is not { } program) continue;
            GoBinary binary;
            try { binary = await open(process); }
            catch (SideEyeException) { continue; } // not a Go binary, or gone: the snapshot says so for the process
            if (binary.Dwarf is null) continue; // no debug info: the snapshot goes on without its captures and its row says why
            var lines = SpecCheck.Check(program, binary);
            var errors = lines.Where(l => l.Error is not null).ToArray();
            if (errors.Length > 0)
                throw new SideEyeException($"process {process.Pid} ({program.Binary}): {errors[0].Error}" +
                    (errors.Length > 1 ? $" (and {errors.Length - 1} more of {lines.Count} expressions that cannot be captured)" : ""));
        }
        return spec;
    }

    /// <summary>
    /// Stores a fleet's snapshot and prints its summary, then the spread of its probe times, then one line on stderr for
    /// each agent that failed (its row in the store says the same); non-zero when any agent or process failed.
    /// </summary>
    static int WriteFleetSnapshot(TextWriter stdout, TextWriter stderr, FleetSnapshot taken, string output, bool verbose)
    {
        var snapshot = taken.Snapshot;
        using (var store = SnapshotStore.Open(output))
        {
            if (store.Warning is { } warning) stderr.WriteLine($"sideeye: warning: {warning}");
            snapshot = snapshot with { SnapshotId = store.Append(snapshot) };
            WriteSummary(stdout, store, snapshot, verbose);
        }
        stdout.WriteLine($"fleet: {taken.Summary}; {taken.BytesReceived} bytes received, {taken.BytesSent} sent, {taken.ExecutableBytesFetched} of them executables");
        // Each failure names its agent already.
        foreach (var (_, why) in taken.Failures.OrderBy(f => f.Key, StringComparer.Ordinal)) stderr.WriteLine($"sideeye: {why}");
        return taken.Failures.Count > 0 || snapshot.Processes.Any(p => p.Error is not null) ? CliApp.ExitError : 0;
    }

    /// <summary>
    /// The summary of a snapshot just appended to <paramref name="store"/>: per process, goroutines by state, then
    /// its ten largest stack groups as <see cref="StackGroups"/> reads them back from the store (the groups the
    /// notebook and sideeye stacks show), each with its states, where it is, and its longest wait, then captures.
    /// </summary>
    internal static void WriteSummary(TextWriter o, SnapshotStore store, Snapshot s, bool verbose = false)
    {
        var tables = store.CaptureTableNames();
        o.WriteLine($"snapshot {s.SnapshotId} at {s.TakenAt:u}");
        foreach (var p in s.Processes)
        {
            if (p.Error is not null) o.WriteLine($"process {p.Pid}: error: {p.Error}");
            // A process whose snapshot is partial (captures left out, say) still has its goroutines to show.
            if (p.Goroutines.Count == 0) continue;
            o.WriteLine($"process {p.Pid} ({p.Exe}, {p.GoVersion}): {p.Goroutines.Count} goroutines, paused {p.PauseNs / 1e6:F3} ms, probe {p.ProbeNs / 1e6:F3} ms{(p.Truncated ? ", TRUNCATED" : "")}");
            if (p.Timings is { } t) o.WriteLine($"  {t}");
            if (p.Reads?.Describe() is { } reads) o.WriteLine($"  {reads}");
            if (verbose && p.Probe is { } probe) o.WriteLine($"  {probe}");
            if (verbose && p.Timings is { } split && p.MonotonicNs is { } start && split.ProbeWaitSplit((ulong)start, (ulong)(start + p.ProbeNs)) is { Length: > 0 } wait)
                o.WriteLine($"  {wait}");
            foreach (var g in p.Goroutines.GroupBy(g => g.WaitReason ?? g.Status).OrderByDescending(g => g.Count()))
                o.WriteLine($"  {g.Count(),7}  {g.Key}");
            var groups = StackGroups.Of(store, s.SnapshotId, new ProcessFilter(p.Host ?? p.Hostname, p.Pid));
            o.WriteLine($"  largest groups of identical stacks ({Math.Min(10, groups.Count)} of {groups.Count}):");
            foreach (var group in groups.Take(10))
                o.WriteLine($"  {group.Count,7}  [{GroupText.States(group.States)}] {GroupText.Where(group.Where)}{GroupText.LongestWait(group)}");
            WriteCaptures(o, p, tables);
        }
    }

    /// <summary>Frames captured per function (requested ones with none too, so an empty table is no surprise), with the table to query.</summary>
    static void WriteCaptures(TextWriter o, ProcessSnapshot p, IReadOnlyDictionary<string, string> tables)
    {
        var functions = (p.Requested ?? []).Select(f => f.Function).Concat((p.Captures ?? []).Select(c => c.Function)).Distinct(StringComparer.Ordinal).ToArray();
        if (functions.Length == 0) return;
        o.WriteLine("  captured frames (table):");
        foreach (var function in functions)
        {
            var values = (p.Captures ?? []).Where(c => c.Function == function).ToArray();
            var frames = values.Select(c => (c.Goid, c.Depth)).Distinct().Count();
            var unavailable = values.Count(c => c.Unavailable is not null);
            o.WriteLine($"  {frames,7}  {function} ({tables.GetValueOrDefault(function) ?? "no table"})" +
                        (unavailable > 0 ? $", {unavailable} of {values.Length} values unavailable" : ""));
        }
    }
}
