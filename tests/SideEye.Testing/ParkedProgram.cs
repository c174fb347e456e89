using System.Diagnostics;
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

    readonly Process _process;

    public sealed record Park(string Kind, long Goid, string Func);

    /// <summary>The parked program's pid (from its "ready pid=N" line): a shell in between starts it.</summary>
    public int Pid { get; private set; }
    public string DumpPath { get; }
    public IReadOnlyList<Park> Parks { get; }
    public GoToolchain Toolchain { get; }

    public Park Single(string kind) => Parks.Single(p => p.Kind == kind);

    [GeneratedRegex(@"^park (\S+) goid=(\d+) func=(\S+)$")]
    private static partial Regex ParkLine();

    public ParkedProgram(GoToolchain toolchain, int idle = 0, int threads = 0, TimeSpan? timeout = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        Toolchain = toolchain;
        var binary = GoFixture.Build("parked", toolchain);
        DumpPath = Path.Combine(Path.GetTempPath(), $"parked-{toolchain.Release}-{Guid.NewGuid():N}.txt");
        // Started by a shell that waits for it, so it is not our child: .NET's SIGCHLD reaping would otherwise
        // swallow the ptrace stops a pause waits for (as in production, SideEye never debugs its own children).
        // An asynchronous command gets /dev/null as stdin unless told otherwise, hence fd 3.
        var psi = new ProcessStartInfo("/bin/sh")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add("exec 3<&0; \"$0\" \"$@\" <&3 3<&- & exec 3<&-; wait");
        psi.ArgumentList.Add(binary);
        psi.ArgumentList.Add("-dump");
        psi.ArgumentList.Add(DumpPath);
        psi.ArgumentList.Add("-n");
        psi.ArgumentList.Add(idle.ToString(CultureInfo.InvariantCulture));
        psi.ArgumentList.Add("-threads");
        psi.ArgumentList.Add(threads.ToString(CultureInfo.InvariantCulture));
        if (environment is not null)
            foreach (var (k, v) in environment) psi.Environment[k] = v;
        _process = Process.Start(psi)!;
        var stderr = _process.StandardError.ReadToEndAsync();
        var parks = new List<Park>();
        var reading = Task.Run(() =>
        {
            while (_process.StandardOutput.ReadLine() is { } line)
            {
                if (line.StartsWith("ready pid=", StringComparison.Ordinal))
                {
                    Pid = int.Parse(line["ready pid=".Length..].Split(' ')[0], CultureInfo.InvariantCulture);
                    return true;
                }
                var m = ParkLine().Match(line);
                if (!m.Success) throw new InvalidOperationException($"parked printed an unexpected line: {line}");
                parks.Add(new Park(m.Groups[1].Value, long.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture), m.Groups[3].Value));
            }
            return false;
        });
        var limit = timeout ?? TimeSpan.FromSeconds(60);
        if (!reading.Wait(limit) || !reading.Result)
        {
            Dispose();
            throw new InvalidOperationException($"parked ({toolchain}) was not ready within {limit.TotalSeconds:F0}s: {(stderr.Wait(1000) ? stderr.Result : "")}");
        }
        Parks = parks;
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.StandardInput.Close();
                if (!_process.WaitForExit(10_000)) _process.Kill();
                _process.WaitForExit();
            }
        }
        finally
        {
            _process.Dispose();
            File.Delete(DumpPath);
        }
    }
}
