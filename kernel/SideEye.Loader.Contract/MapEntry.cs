namespace SideEye.Loader.Contract;

/// <summary>One key/value pair to write into the named map of a <see cref="SnapshotJob"/> before its program loads.</summary>
public sealed record MapEntry(string Map, byte[] Key, byte[] Value);
