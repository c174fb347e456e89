using SideEye.Fleet.Files;
using SideEye.Interactive.Directives;
using SideEye.Interactive.Formatters;
using SideEye.Snapshots.Fleets;
using SideEye.Snapshots.Selection;
using SideEye.Snapshots.Store;

namespace SideEye.Interactive.Subcommands;

/// <summary>
/// #!sideeye fleet, and targets and snapshot once a fleet is chosen: every agent of the fleet file at once, each
/// process with the program and labels the file's rules give it, narrowed by --where.
/// </summary>
static class Fleets
{
    /// <summary>Reads the fleet file, connects to its agents for the rest of the session, and lists what they run.</summary>
    public static async Task<FleetTargets> Open(NotebookSession session, FleetCommand command)
    {
        var path = session.FullPath(command.File ?? throw new SideEyeException("fleet needs the fleet file: #!sideeye fleet FILE"));
        if (command.Timeout is <= 0) throw new SideEyeException($"--timeout must be positive, not {command.Timeout}");
        var spec = FleetFile.Load(path);
        var options = new FleetSnapshotOptions { Binaries = session.Binaries };
        if (command.Timeout is { } seconds) options = options with { Timeout = TimeSpan.FromSeconds(seconds) };
        session.UseFleet(await FleetSnapshotter.OpenAsync(spec, options));
        return await Targets(session, []);
    }

    /// <summary>The fleet's processes that <paramref name="where"/> selects.</summary>
    public static async Task<FleetTargets> Targets(NotebookSession session, IReadOnlyList<string> where)
    {
        var fleet = Current(session);
        return new FleetTargets(fleet.Fleet.Path, await fleet.ListAsync(Selector.ParseAll(where)), where);
    }

    /// <summary>One snapshot of every process of the fleet that <paramref name="where"/> selects, appended to the session's file.</summary>
    public static async Task<SnapshotSummary> Take(NotebookSession session, SnapshotCommand command, IReadOnlyList<string> where)
    {
        if (command.Pid is not null || command.Exe is not null)
            throw new SideEyeException("on a fleet, snapshot chooses processes with --where (program, host, exe, pid, a label …), not --pid or --exe");
        if (command.MaxFrames is not null) throw new SideEyeException("on a fleet, the frame limit is the fleet's (100): drop --max-frames");
        var fleet = Current(session);
        fleet.Captures = session.Spec;
        var taken = await fleet.TakeAsync(Selector.ParseAll(where), command.Note);
        var database = session.Resolve(command.Db);
        string? warning;
        var snapshot = taken.Snapshot;
        using (var store = SnapshotStore.Open(database))
        {
            warning = store.Warning;
            snapshot = snapshot with { SnapshotId = store.Append(snapshot) };
        }
        return new SnapshotSummary(snapshot, database) { Warning = warning, Fleet = taken };
    }

    /// <summary>Why --where cannot be used yet: it chooses among the processes of a fleet, and none has been named.</summary>
    public const string WhereNeedsFleet = "--where chooses among a fleet's processes: name the fleet first, #!sideeye fleet FILE";

    static FleetSnapshotter Current(NotebookSession session) => session.Fleet ?? throw new SideEyeException(WhereNeedsFleet);
}
