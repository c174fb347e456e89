namespace SideEye.Testing;

/// <summary>Locates the repository from a test's working folder.</summary>
public static class RepoPaths
{
    public static string Root { get; } = FindRoot();
    public static string TestData => Path.Combine(Root, "testdata");
    public static string BuildOutput => Path.Combine(TestData, ".build");

    static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "SideEye.sln"))) return dir.FullName;
        throw new InvalidOperationException($"SideEye.sln not found above {AppContext.BaseDirectory}");
    }
}
