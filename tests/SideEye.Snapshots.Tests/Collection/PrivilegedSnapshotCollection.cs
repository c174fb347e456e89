namespace SideEye.Snapshots.Tests.Collection;

/// <summary>
/// Tests that take live snapshots share one non-parallel collection, so one test's kernel objects never show up
/// in another's leak count and the CPU-hungry ones do not compete with each other.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class PrivilegedSnapshotCollection
{
    public const string Name = "PrivilegedSnapshots";
}
