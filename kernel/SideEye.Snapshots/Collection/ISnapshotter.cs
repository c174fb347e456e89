using SideEye.GoRuntime;
using SideEye.GoRuntime.Processes;
using SideEye.Probes.Specs;
using SideEye.Snapshots.Model;

namespace SideEye.Snapshots.Collection;

/// <summary>
/// A machine whose Go processes can be listed, whose executables can be read and whose processes can be
/// snapshotted: this one (<see cref="LocalSnapshotter"/>) or one with an agent (<see cref="RemoteSnapshotter"/>).
/// Both give the same <see cref="Snapshot"/> for the same process. Dispose to unload what it keeps loaded.
/// </summary>
public interface ISnapshotter : IDisposable
{
    /// <summary>The machine's name, as snapshots record it.</summary>
    string Host { get; }

    /// <summary>What to capture in each target's frames; may change between snapshots.</summary>
    CaptureSpec Captures { get; set; }

    /// <summary>
    /// The machine's Go processes, or only those among <paramref name="pids"/>; with <paramref name="environmentVariables"/>,
    /// each one's values of those variables (<see cref="GoProcessInfo.Environment"/>), and never any other.
    /// </summary>
    Task<IReadOnlyList<GoProcessInfo>> ListAsync(IReadOnlyCollection<int>? pids = null, IReadOnlyCollection<string>? environmentVariables = null,
        CancellationToken cancellation = default);

    /// <summary>The executable a process runs, to check a spec against it before anything is paused.</summary>
    Task<GoBinary> OpenBinaryAsync(GoProcessInfo process, CancellationToken cancellation = default);

    /// <summary>One snapshot of the processes; a process that fails is reported in its row and does not stop the others.</summary>
    Task<Snapshot> TakeAsync(IReadOnlyList<int> pids, string? note = null, CancellationToken cancellation = default);
}
