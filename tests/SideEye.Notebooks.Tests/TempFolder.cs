namespace SideEye.Notebooks.Tests;

/// <summary>A fresh folder under /tmp, removed on disposal.</summary>
sealed class TempFolder : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("sideeye-notebooks-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); }
        catch (IOException) { }
    }
}
