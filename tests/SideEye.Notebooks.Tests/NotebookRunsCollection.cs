namespace SideEye.Notebooks.Tests;

/// <summary>
/// The classes that run notebooks against the demo: one at a time, since each notebook snapshots every process
/// named demo, and two snapshotters cannot pause the same process at once.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class NotebookRunsCollection
{
    public const string Name = "NotebookRuns";
}
