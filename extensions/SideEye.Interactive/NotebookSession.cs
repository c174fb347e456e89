using SideEye.Snapshots.Collection;

namespace SideEye.Interactive;

/// <summary>
/// What the magic commands of one kernel share: the DuckDB file they use when --db is not given (#!sideeye open
/// changes it), and one snapshotter for the kernel's life, so a second snapshot of a process reuses its probe.
/// </summary>
sealed class NotebookSession : IDisposable
{
    public const string DefaultDatabase = "sideeye.duckdb";

    public string? Database { get; set; }

    public LocalSnapshotter Snapshotter { get; } = new();

    /// <summary>The full path of the file to use: the one given, else the opened one, else the default.</summary>
    public string Resolve(string? db) => Path.GetFullPath(db ?? Database ?? DefaultDatabase);

    public void Dispose() => Snapshotter.Dispose();
}
