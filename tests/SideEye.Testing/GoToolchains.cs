namespace SideEye.Testing;

/// <summary>
/// The Go releases listed in testdata/go-versions.txt, installed under SIDEEYE_GO_CACHE
/// (default /var/cache/sideeye/go) by .ci/install-go. Under CI a missing one is an error, never a skip.
/// </summary>
public static class GoToolchains
{
    public static string CacheRoot { get; } =
        Environment.GetEnvironmentVariable("SIDEEYE_GO_CACHE") is { Length: > 0 } c ? c : "/var/cache/sideeye/go";

    public static IReadOnlyList<string> Releases { get; } = File.ReadAllLines(Path.Combine(RepoPaths.TestData, "go-versions.txt"))
        .Select(l => l.Trim())
        .Where(l => l.Length > 0 && !l.StartsWith('#'))
        .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0])
        .ToArray();

    public static IReadOnlyList<GoToolchain> All { get; } = Releases.Select(Get).ToArray();

    public static GoToolchain Get(string release)
    {
        var root = Path.Combine(CacheRoot, "go-" + release);
        if (!File.Exists(Path.Combine(root, "bin", "go")))
            throw new InvalidOperationException($"Go {release} is not installed in {CacheRoot}: run .ci/install-go");
        return new GoToolchain(release, root);
    }

    /// <summary>The newest toolchain, used to build helper tools such as testdata/dwarfdump.</summary>
    public static GoToolchain Newest => All[^1];

    /// <summary>xunit MemberData: one row per installed release.</summary>
    public static IEnumerable<object[]> Data => Releases.Select(r => new object[] { r });
}
