using System.Globalization;
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
/// <param name="PhaseOne">From the start to every agent's probes loaded (listing, executables, jobs, clocks).</param>
/// <param name="PhaseTwo">From the shared instant to the last agent's answer decoded.</param>
public sealed record FleetSnapshot(
    Snapshot Snapshot,
    IReadOnlyDictionary<string, string> Failures,
    TimeSpan? Spread,
    TimeSpan ClockUncertainty,
    long BytesReceived,
    long BytesSent,
    long ExecutableBytesFetched,
    TimeSpan PhaseOne,
    TimeSpan PhaseTwo)
{
    /// <summary>"N processes on M hosts, probes X ms apart (clocks known to within Y ms)": the processes counted are those with goroutines.</summary>
    public string Summary
    {
        get
        {
            var taken = Snapshot.Processes.Where(p => p.Goroutines.Count > 0).ToArray();
            return $"{taken.Length} processes on {taken.Select(p => p.Host).Distinct(StringComparer.Ordinal).Count()} hosts" + (Spread is { } spread
                ? string.Create(CultureInfo.InvariantCulture, $", probes {spread.TotalMilliseconds:F3} ms apart (clocks known to within {ClockUncertainty.TotalMilliseconds:F3} ms)")
                : "");
        }
    }
}
