using System.Globalization;
using System.Text.RegularExpressions;

namespace SideEye.Testing;

/// <summary>
/// A running testdata/parked: goroutines parked in known places. It is ready when constructed: its
/// "park KIND goid=N func=F" lines are in <see cref="Parks"/> and its runtime.Stack dump is at
/// <see cref="DumpPath"/>. Disposing closes its standard input, which ends it, and deletes the dump.
/// </summary>
public sealed partial class ParkedProgram : IDisposable
{
    /// <summary>The pprof labels of the "labels" goroutine.</summary>
    public static IReadOnlyDictionary<string, string> Labels { get; } = new Dictionary<string, string> { ["worker"] = "7", ["path"] = "/api/\"v1\"" };

    /// <summary>main.recurse frames on the recursion goroutine's stack (RecursionDepth in main.go).</summary>
    public const int RecursionDepth = 300;

    readonly LaunchedProgram _program;

    public sealed record Park(string Kind, long Goid, string Func);

    /// <summary>The parked program's pid (from its "ready pid=N" line): a shell in between starts it.</summary>
    public int Pid => _program.Pid;

    /// <summary>Its pid in the test's PID namespace (the same as <see cref="Pid"/> unless started in another).</summary>
    public int HostPid => _program.HostPid;
    public string DumpPath { get; }
    public IReadOnlyList<Park> Parks { get; }
    public GoToolchain Toolchain { get; }

    public Park Single(string kind) => Parks.Single(p => p.Kind == kind);

    [GeneratedRegex(@"^park (\S+) goid=(\d+) func=(\S+)$")]
    private static partial Regex ParkLine();

    /// <param name="deep">Goroutines 3 to 20 frames deep (the program's -deep).</param>
    /// <param name="spinners">Goroutines busy on a CPU (the program's -spin): 0 for a fleet of many, which would otherwise take every CPU.</param>
    /// <param name="executable">A copy of the build to run instead of the build itself (e.g. one whose bytes a test changed).</param>
    public ParkedProgram(GoToolchain toolchain, int idle = 0, int threads = 0, TimeSpan? timeout = null, IReadOnlyDictionary<string, string>? environment = null, GoBuildFlags flags = GoBuildFlags.Default, bool collectGarbage = false, int deep = 0,
        PidNamespace? ns = null, int spinners = 2, string? executable = null)
    {
        Toolchain = toolchain;
        var binary = executable ?? GoFixture.Build("parked", toolchain, flags);
        DumpPath = Path.Combine(Path.GetTempPath(), $"parked-{toolchain.Release}-{Guid.NewGuid():N}.txt");
        string[] args = ["-dump", DumpPath, "-n", idle.ToString(CultureInfo.InvariantCulture), "-threads", threads.ToString(CultureInfo.InvariantCulture),
            "-deep", deep.ToString(CultureInfo.InvariantCulture), "-spin", spinners.ToString(CultureInfo.InvariantCulture), .. (collectGarbage ? (string[])["-gc"] : [])];
        try
        {
            _program = LaunchedProgram.StartUntilReady(binary, args, timeout ?? TimeSpan.FromSeconds(60), environment, ns);
        }
        catch (InvalidOperationException e)
        {
            File.Delete(DumpPath);
            throw new InvalidOperationException($"parked ({toolchain}): {e.Message}", e);
        }
        var parks = new List<Park>();
        foreach (var line in _program.Lines)
        {
            var m = ParkLine().Match(line);
            if (!m.Success)
            {
                Dispose();
                throw new InvalidOperationException($"parked printed an unexpected line: {line}");
            }
            parks.Add(new Park(m.Groups[1].Value, long.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture), m.Groups[3].Value));
        }
        Parks = parks;
    }

    public void Dispose()
    {
        try
        {
            _program.Dispose();
        }
        finally
        {
            File.Delete(DumpPath);
        }
    }
}
