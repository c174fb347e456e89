using SideEye.Snapshots.Model;

namespace SideEye.Snapshots.Collection;

/// <summary>
/// A snapshot made ready on one agent by <see cref="RemoteSnapshotter.PrepareAsync"/>: each process's probe loaded
/// there (or found warm) and the process checked, those that could not be readied already in their rows with the
/// reason, and the agent's clock offset measured. <see cref="RemoteSnapshotter.TriggerAsync"/> pauses the ready
/// ones at an instant, once. Probes prepared and never triggered are unloaded by the agent when idle.
/// </summary>
public sealed class PreparedSnapshot
{
    internal PreparedSnapshot(RemoteSnapshotter snapshotter, IReadOnlyList<int> pids)
    {
        Snapshotter = snapshotter;
        Pids = pids.ToArray();
        Rows = new ProcessSnapshot?[pids.Count];
    }

    internal RemoteSnapshotter Snapshotter { get; }
    internal ProcessSnapshot?[] Rows { get; }
    internal Dictionary<int, PendingJob> Ready { get; } = [];
    int _triggered;

    /// <summary>The processes asked for, in row order.</summary>
    public IReadOnlyList<int> Pids { get; }

    /// <summary>The processes whose probes are loaded and checked, ready to be paused.</summary>
    public IReadOnlyCollection<int> ReadyPids => Ready.Keys;

    /// <summary>The rows of processes that could not be readied, each with its error.</summary>
    public IReadOnlyList<ProcessSnapshot> Failed => Rows.OfType<ProcessSnapshot>().ToArray();

    /// <summary>The agent's wall clock minus the client's, as the Prepare call measured it; null when no call was made (nothing to ready).</summary>
    public TimeSpan? ClockOffset { get; internal set; }

    /// <summary>How far the true offset may be from <see cref="ClockOffset"/>.</summary>
    public TimeSpan? ClockUncertainty { get; internal set; }

    /// <summary>
    /// The quickest Prepare call's round trip with the agent's own time on it taken out (loading, the verifier): about
    /// how long a call now takes to reach the agent and come back. Null when no call was made.
    /// </summary>
    public TimeSpan? RoundTrip { get; internal set; }

    internal void Trigger()
    {
        if (Interlocked.Exchange(ref _triggered, 1) != 0) throw new InvalidOperationException("a prepared snapshot is triggered once; prepare another");
    }
}
