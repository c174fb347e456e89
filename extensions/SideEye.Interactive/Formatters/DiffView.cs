using SideEye.Snapshots.Analysis;

namespace SideEye.Interactive.Formatters;

/// <summary>What #!sideeye diff returns: the stack groups that appeared, grew, shrank or went between two snapshots, biggest change first.</summary>
public sealed record DiffView(long Before, long After, string Database, IReadOnlyList<StackGroupChange> Changes);
