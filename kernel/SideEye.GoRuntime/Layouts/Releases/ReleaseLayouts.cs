using System.Reflection;
using SideEye.GoRuntime.Versions;

namespace SideEye.GoRuntime.Layouts.Releases;

/// <summary>
/// The shipped runtime layouts (Data/*.json, embedded), one per Go release they were generated from. A binary's exact
/// release (from its build info, which stripped binaries keep) is trusted; another patch release of the same minor
/// release borrows that minor release's layout, which the caller must check against the process (see
/// Goroutines.RuntimePlausibility) before it shows anything.
/// </summary>
public static class ReleaseLayouts
{
    const string Prefix = "SideEye.GoRuntime.Releases.";

    /// <summary>Every shipped layout (parsed on each call: opening a binary needs only its release's, see <see cref="Find"/>).</summary>
    public static IReadOnlyList<ReleaseLayout> All => Load(_ => true);

    /// <summary>The layout for <paramref name="version"/>: exact, or borrowed from its minor release's newest (Exact false); null if neither.</summary>
    public static (ReleaseLayout Layout, bool Exact)? Find(GoVersion version)
    {
        // Resource names carry the release ("…go1.26.10.json"): only the minor release's files are parsed.
        var sameMinor = Load(name => GoVersion.TryParse(name[Prefix.Length..^".json".Length]) is { } v && v.Major == version.Major && v.Minor == version.Minor)
            .OrderByDescending(l => GoVersion.TryParse(l.Version)!).ToList();
        // "go1.25.12 X:greenteagc": an experiment may change the runtime, so only a plain release name is exact.
        if (sameMinor.FirstOrDefault(l => l.Version == version.Text) is { } exact) return (exact, true);
        return sameMinor.Count > 0 ? (sameMinor[0], false) : null;
    }

    static List<ReleaseLayout> Load(Func<string, bool> wanted)
    {
        var assembly = typeof(ReleaseLayouts).Assembly;
        return assembly.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal) && n.EndsWith(".json", StringComparison.Ordinal) && wanted(n))
            .Select(n => ReleaseLayout.FromJson(Read(assembly, n), n)).ToList();
    }

    static string Read(Assembly assembly, string name)
    {
        using var stream = assembly.GetManifestResourceStream(name)!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
