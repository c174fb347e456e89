using SideEye.Snapshots.Model;

namespace SideEye.Interactive.Formatters;

/// <summary>What #!sideeye snapshot returns: the snapshot as stored (with its id) and the store it went to.</summary>
public sealed record SnapshotSummary(Snapshot Snapshot, string Database)
{
    /// <summary>Said once per store: it is readable by other users.</summary>
    public string? Warning { get; init; }

    /// <summary>How a fleet's snapshot went (spread of probe times, failed agents, bytes); null for one machine's.</summary>
    public SideEye.Snapshots.Fleets.FleetSnapshot? Fleet { get; init; }
}
