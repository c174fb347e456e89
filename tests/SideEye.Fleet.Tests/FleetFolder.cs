namespace SideEye.Fleet.Tests;

/// <summary>A temporary folder holding fleet files for one test; Dispose deletes it.</summary>
sealed class FleetFolder : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("sideeye-fleetfile-").FullName;

    /// <summary>Writes <paramref name="json"/> to NAME in the folder and returns its path.</summary>
    public string Write(string json, string name = "fleet.json")
    {
        var path = System.IO.Path.Combine(Path, name);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        File.WriteAllText(path, json);
        return path;
    }

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
