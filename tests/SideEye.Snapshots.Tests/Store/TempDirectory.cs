namespace SideEye.Snapshots.Tests.Store;

/// <summary>A fresh folder for one test's database files, removed afterwards.</summary>
sealed class TempDirectory : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("sideeye-store-").FullName;

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
