namespace SideEye.Interactive.Formatters;

/// <summary>What #!sideeye open returns: the file now in use and the snapshots it holds.</summary>
public sealed record OpenedStore(string Database, IReadOnlyList<StoredSnapshot> Snapshots);

/// <summary>One snapshot of an opened store.</summary>
public sealed record StoredSnapshot(long SnapshotId, DateTimeOffset TakenAt, string? Note, int Processes, long Goroutines);
