namespace SideEye.Snapshots.Model;

/// <summary>Every goroutine of one or more Go processes, taken at one moment.</summary>
/// <param name="SnapshotId">0 lets the store assign the next free id.</param>
public sealed record Snapshot(long SnapshotId, DateTimeOffset TakenAt, string? Note, IReadOnlyList<ProcessSnapshot> Processes);
