namespace SideEye.Snapshots.Store;

/// <summary>A snapshot store could not be opened, written or queried. The message names the file and the problem.</summary>
public sealed class SnapshotStoreException : SideEyeException
{
    public SnapshotStoreException(string path, string problem, Exception? inner = null)
        : base($"{path}: {problem}", inner)
    {
        Path = path;
        Problem = problem;
    }

    /// <summary>The database file, or ":memory:".</summary>
    public string Path { get; }

    public string Problem { get; }
}
