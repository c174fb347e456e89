namespace SideEye.Testing.Agents;

/// <summary>The sideeye command as built for this test run (kernel/SideEye.Cli's output of the same configuration), to run as a process of its own.</summary>
public static class SideEyeProgram
{
    /// <summary>The dotnet host that runs it.</summary>
    public static string Dotnet { get; } = Environment.ProcessPath is { } host && Path.GetFileName(host) == "dotnet" ? host : "/usr/share/dotnet/dotnet";

    public static string Assembly { get; } = Find();

    /// <summary>The command line that runs sideeye with <paramref name="args"/>.</summary>
    public static IReadOnlyList<string> Command(params string[] args) => [Dotnet, Assembly, .. args];

    static string Find()
    {
        // Tests run from tests/X/bin/CONFIGURATION/net10.0: the CLI was built beside them in the same configuration.
        var configuration = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name;
        var path = Path.Combine(RepoPaths.Root, "kernel", "SideEye.Cli", "bin", configuration, "net10.0", "sideeye.dll");
        return File.Exists(path) ? path : throw new InvalidOperationException($"{path} is missing: build the solution ({configuration}) first");
    }
}
