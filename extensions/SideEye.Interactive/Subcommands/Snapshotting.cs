using System.Globalization;
using SideEye.Interactive.Directives;
using SideEye.Interactive.Formatters;
using SideEye.Probes.Specs;
using SideEye.Snapshots.Collection;
using SideEye.Snapshots.Store;

namespace SideEye.Interactive.Subcommands;

/// <summary>#!sideeye targets and snapshot: the live side, the Go processes on this machine or on an agent's.</summary>
static class Snapshotting
{
    public static async Task<GoTargets> Targets(NotebookSession session, TargetsCommand command)
    {
        var machine = session.Machine(command.Agent);
        return new GoTargets(await machine.ListAsync(), machine is RemoteSnapshotter remote ? remote.Agent.Address.ToString() : null);
    }

    /// <summary>Snapshots the processes asked for with the session's spec and appends the snapshot to the session's file.</summary>
    public static async Task<SnapshotSummary> Take(NotebookSession session, SnapshotCommand command)
    {
        var maxFrames = SnapshotOptions.MaxFrames(command.MaxFrames ?? SnapshotOptions.DefaultMaxFrames);
        // A snapshotter's frame limit is fixed when it is made: another limit on this machine gets one of its own for this call.
        var machine = session.Machine(command.Agent, maxFrames);
        using var own = machine is LocalSnapshotter shared && maxFrames != shared.MaxFrames ? new LocalSnapshotter { MaxFrames = maxFrames } : null;
        var snapshotter = (ISnapshotter?)own ?? machine;
        var pids = await Pids(snapshotter, command);
        snapshotter.Captures = session.Spec;
        var snapshot = await snapshotter.TakeAsync(pids, command.Note);
        var database = session.Resolve(command.Db);
        string? warning;
        using (var store = SnapshotStore.Open(database))
        {
            warning = store.Warning;
            snapshot = snapshot with { SnapshotId = store.Append(snapshot) };
        }
        return new SnapshotSummary(snapshot, database) { Warning = warning };
    }

    /// <summary>Fails the cell with the first process's error (a fleet's: each failed agent), once the rows have been shown.</summary>
    public static void ThrowIfAnyFailed(SnapshotSummary summary)
    {
        if (summary.Fleet is { Failures.Count: > 0 } fleet)
            throw new SideEyeException(string.Join("; ", fleet.Failures.OrderBy(f => f.Key, StringComparer.Ordinal).Select(f => f.Value)));
        if (summary.Snapshot.Processes.FirstOrDefault(p => p.Error is not null) is { } failed)
            throw new SideEyeException(failed.Host is { } host ? $"process {failed.Pid} on {host}: {failed.Error}" : $"process {failed.Pid}: {failed.Error}");
    }

    /// <summary>The pids asked for: the --pid list, or every Go process running an executable named --exe.</summary>
    static async Task<int[]> Pids(ISnapshotter machine, SnapshotCommand command)
    {
        if ((command.Pid is null) == (command.Exe is null)) throw new SideEyeException("snapshot needs either --pid PID[,PID…] or --exe NAME[,NAME…]");
        if (command.Pid is { } list)
        {
            var pids = list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                .Select(p => int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && pid > 0
                    ? pid : throw new SideEyeException($"--pid: '{p}' is not a process id"))
                .Distinct().ToArray();
            return pids.Length > 0 ? pids : throw new SideEyeException("--pid: no process id given");
        }
        // By the name a spec means it by: a binary replaced on disk since the process started still counts.
        var names = command.Exe!.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var running = await machine.ListAsync();
        var matching = new List<int>();
        foreach (var name in names)
        {
            var found = running.Where(p => ProgramCaptures.ProgramName(p.Exe) == name).Select(p => p.Pid).ToArray();
            if (found.Length == 0) throw new SideEyeException($"--exe: no Go process on {machine.Host} runs an executable named '{name}'");
            matching.AddRange(found);
        }
        return matching.Count > 0 ? matching.Distinct().ToArray() : throw new SideEyeException("--exe: no executable name given");
    }
}
