using System.Globalization;
using System.Text.RegularExpressions;
using SideEye.Testing;

namespace SideEye.Notebooks.Tests;

/// <summary>
/// The two-service demo of notebooks/requests.ipynb: testdata/backend and testdata/frontend (newest toolchain, the
/// executables named backend and frontend), the frontend's requests for items of the backend's shard 0 stuck; ready
/// once the backend says every stuck request waits. What each printed is kept as the notebook's ground truth.
/// </summary>
sealed partial class TwoServices : IDisposable
{
    public const int Requests = 12, Shards = 4;

    /// <summary>The requests that never finish, oldest first: request I (ID 5000+I) asks for item I, shard 0 holds 0, 4, 8.</summary>
    public static readonly long[] Stuck = Enumerable.Range(0, Requests).Where(i => i % Shards == 0).Select(i => 5000L + i).ToArray();

    public LaunchedProgram Backend { get; }
    public LaunchedProgram Frontend { get; }

    /// <summary>Per stuck request, the backend's view of its connection: (its remote address, the backend's local one).</summary>
    public IReadOnlyDictionary<long, (string Remote, string Local)> Served { get; }

    public TwoServices()
    {
        var toolchain = GoToolchains.Newest;
        Backend = LaunchedProgram.StartUntilReady(GoFixture.Build("backend", toolchain), ["-shards", Shards.ToString(CultureInfo.InvariantCulture)], TimeSpan.FromSeconds(60));
        try
        {
            Frontend = LaunchedProgram.StartUntilReady(GoFixture.Build("frontend", toolchain),
                ["-backend", Backend.Ready["addr"], "-n", Requests.ToString(CultureInfo.InvariantCulture)], TimeSpan.FromSeconds(60));
            Backend.WaitForLines(l => l.StartsWith("waiting ", StringComparison.Ordinal), Stuck.Length, TimeSpan.FromSeconds(30));
            Served = Backend.LaterLines.Select(l => ServingLine().Match(l)).Where(m => m.Success)
                .Select(m => (Id: long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), Remote: m.Groups[2].Value, Local: m.Groups[3].Value))
                .Where(s => Stuck.Contains(s.Id)).ToDictionary(s => s.Id, s => (s.Remote, s.Local));
        }
        catch
        {
            Frontend?.Dispose();
            Backend.Dispose();
            throw;
        }
    }

    public void AssertRunning()
    {
        foreach (var pid in new[] { Backend.Pid, Frontend.Pid })
            Assert.DoesNotMatch(@"State:\s+[tTZX]", File.ReadAllLines($"/proc/{pid}/status").Single(l => l.StartsWith("State:", StringComparison.Ordinal)));
    }

    public void Dispose()
    {
        Frontend.Dispose();
        Backend.Dispose();
    }

    [GeneratedRegex(@"^serving (\d+) item=\d+ remote=(\S+) local=(\S+)$")]
    private static partial Regex ServingLine();
}
