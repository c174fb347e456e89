using System.Diagnostics;
using SideEye.Testing;

namespace SideEye.Loader.Tests;

/// <summary>The C programs in Native/, compiled with gcc into a temporary directory that the caller deletes.</summary>
static class NativeProgram
{
    /// <summary>Compiles Native/<paramref name="name"/>.c into <paramref name="directory"/>; returns the binary's path.</summary>
    public static string Build(string name, string directory)
    {
        var source = Path.Combine(RepoPaths.Root, "tests", "SideEye.Loader.Tests", "Native", name + ".c");
        var output = Path.Combine(directory, name);
        using var gcc = Process.Start(new ProcessStartInfo("gcc", ["-O2", "-Wall", "-pthread", "-o", output, source]) { RedirectStandardError = true })!;
        var err = gcc.StandardError.ReadToEnd();
        gcc.WaitForExit();
        if (gcc.ExitCode != 0) throw new InvalidOperationException($"gcc {source}: {err}");
        return output;
    }
}
