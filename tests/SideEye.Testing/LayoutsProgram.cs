using System.Diagnostics;
using System.Text.RegularExpressions;

namespace SideEye.Testing;

/// <summary>testdata/layouts: what the compiler made of some types, as the program prints them through reflect.</summary>
public static partial class LayoutsProgram
{
    /// <summary>Builds the program with the toolchain and returns what it prints.</summary>
    public static IReadOnlyList<string> Run(string release)
    {
        var binary = GoFixture.Build("layouts", release);
        var psi = new ProcessStartInfo(binary) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        var printed = p.StandardOutput.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{binary} exited with {p.ExitCode}: {err.Result}");
        return printed;
    }

    /// <summary>
    /// The bucket the compiler laid out for map[string]string, read from the map's type descriptor; null where the
    /// release has no buckets (Go 1.24+, Swiss tables), where the program prints none.
    /// </summary>
    public static CompilerBucket? StringMapBucket(string release)
    {
        var printed = Run(release);
        var type = printed.SingleOrDefault(l => l.StartsWith("bucket map[string]string ", StringComparison.Ordinal));
        if (type is null) return null;
        var fields = printed.Select(l => BucketField().Match(l)).Where(m => m.Success)
            .ToDictionary(m => m.Groups["name"].Value, m => (int.Parse(m.Groups["offset"].Value), int.Parse(m.Groups["size"].Value)));
        return new CompilerBucket(int.Parse(BucketSize().Match(type).Groups[1].Value), fields);
    }

    [GeneratedRegex(@"^bucketfield map\[string\]string (?<name>\S+) offset=(?<offset>\d+) size=(?<size>\d+) ")]
    private static partial Regex BucketField();

    [GeneratedRegex(@" size=(\d+) ")]
    private static partial Regex BucketSize();
}
