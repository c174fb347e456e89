using SideEye.Binary.DebugInfo;
using SideEye.Remote.Executables;
using SideEye.Snapshots.Collection;

namespace SideEye.Snapshots.Fleets;

/// <summary>How a fleet is snapshotted: each agent's deadline, the probe's limits as for one machine, and the executable cache.</summary>
public sealed record FleetSnapshotOptions
{
    /// <summary>How long any one call to an agent may take.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);

    public int MaxFrames { get; init; } = SnapshotOptions.DefaultMaxFrames;

    public TimeSpan MaxPause { get; init; } = TimeSpan.FromMilliseconds(SnapshotOptions.DefaultMaxPauseMs);

    public TimeSpan FaultBudget { get; init; } = TimeSpan.FromMilliseconds(SnapshotOptions.DefaultFaultBudgetMs);

    /// <summary>Where executables are kept by build ID; the user's cache when null.</summary>
    public ExecutableCache? Cache { get; init; }

    /// <summary>Where a stripped executable's debug file is looked for on this machine; the environment's places when null.</summary>
    public DebugInfoSources? DebugInfo { get; init; }

    /// <summary>Executables opened already, to share with other snapshotters (a notebook session's); a new set, looking where <see cref="DebugInfo"/> says, when null.</summary>
    public OpenedBinaries? Binaries { get; init; }
}
