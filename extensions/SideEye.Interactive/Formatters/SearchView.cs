using SideEye.Snapshots.Analysis;

namespace SideEye.Interactive.Formatters;

/// <summary>What #!sideeye search returns: the captured values of a snapshot that hold a text, each with its goroutine and frame.</summary>
public sealed record SearchView(string Text, long SnapshotId, string Database, IReadOnlyList<ValueMatch> Matches);
