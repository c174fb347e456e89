namespace SideEye.Interactive.Tests;

/// <summary>A path for one test's DuckDB file in a folder of its own, removed afterwards.</summary>
sealed class TempFile : IDisposable
{
    readonly string _directory = Directory.CreateTempSubdirectory("sideeye-interactive-").FullName;

    public string Path => System.IO.Path.Combine(_directory, "snapshots.duckdb");

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
