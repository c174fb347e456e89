using SideEye.Snapshots.Model;

namespace SideEye.Snapshots.Fleets;

/// <summary>
/// A fleet's snapshot and how it went: the snapshot (every selected process of every agent, and a row with the error
/// of each agent that failed), the agents that failed, how far apart the processes' probes ran on the client's
/// timeline, and what crossed the wire.
/// </summary>
/// <param name="Failures">Agent name → why it gave no processes (unreachable, refused, timed out).</param>
/// <param name="Spread">Latest minus earliest probe time among the processes that were snapshotted; null with fewer than two.</param>
/// <param name="ClockUncertainty">The largest uncertainty of an agent's clock offset (half its round trip): the spread is known to within about this.</param>
public sealed record FleetSnapshot(
    Snapshot Snapshot,
    IReadOnlyDictionary<string, string> Failures,
    TimeSpan? Spread,
    TimeSpan ClockUncertainty,
    long BytesReceived,
    long BytesSent,
    long ExecutableBytesFetched);
