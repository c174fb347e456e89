using System.Globalization;
using SideEye.Probes.Specs;
using SideEye.Snapshots.Collection;
using SideEye.Snapshots.Model;
using SideEye.Testing;

namespace SideEye.Benchmarks;

/// <summary>
/// What the built-in HTTP captures cost a busy server: testdata/backend holding N keep-alive connections from
/// testdata/frontend (-n N requests, one of them stuck in a handler, the rest answered and idle). Snapshots of the
/// backend alternate between the built-in captures off ("builtInCaptures": false), on (net/http.(*conn).serve captured
/// only at its calls to the handler) and a spec that captures the same expressions in conn.serve everywhere (every
/// idle connection's goroutine too): the pause of each and the frames captured. Needs root.
/// Usage: builtins [N] [runs]   (default 2000 connections, 20 runs)
/// </summary>
public static class BuiltInsReport
{
    public static int Run(string[] args)
    {
        var n = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 2000;
        var runs = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 20;
        Console.WriteLine($"cpus {Environment.ProcessorCount}, kernel {File.ReadAllText("/proc/sys/kernel/osrelease").Trim()}, {GoToolchains.Newest.Release}, {n} connections, {runs} runs each");
        var count = n.ToString(CultureInfo.InvariantCulture);
        using var backend = LaunchedProgram.StartUntilReady(GoFixture.Build("backend", GoToolchains.Newest), ["-shards", count], TimeSpan.FromMinutes(1));
        using var frontend = LaunchedProgram.StartUntilReady(GoFixture.Build("frontend", GoToolchains.Newest), ["-backend", backend.Ready["addr"], "-n", count], TimeSpan.FromMinutes(2));
        var server = BuiltInCaptures.All.Single(f => f.Function == BuiltInCaptures.HttpServerConn);
        var variants = new (string Name, CaptureSpec Spec)[]
        {
            ("off", CaptureSpec.Empty with { BuiltIns = false }),
            ("built in", CaptureSpec.Empty),
            ("everywhere", CaptureSpec.Empty.WithCapture("backend", server.Function, [.. server.Expressions])),
        };
        var snapshotters = variants.Select(v => new LocalSnapshotter { MaxPause = TimeSpan.FromSeconds(5), Captures = v.Spec }).ToArray();
        try
        {
            var taken = variants.Select(_ => new List<ProcessSnapshot>()).ToArray();
            foreach (var s in snapshotters) s.Take([backend.Pid]); // warm: probes loaded
            for (var r = 0; r < runs; r++)
                for (var v = 0; v < variants.Length; v++) taken[v].Add(snapshotters[v].Take([backend.Pid]).Processes[0]);
            for (var v = 0; v < variants.Length; v++)
            {
                var last = taken[v][^1];
                Console.WriteLine($"{variants[v].Name,-10}: pause median {Samples.Median(taken[v].Select(p => p.PauseNs)) / 1e6:F2} ms, probe {Samples.Median(taken[v].Select(p => p.ProbeNs)) / 1e6:F2} ms; "
                    + $"{last.Goroutines.Count} goroutines, {last.Captures?.Select(c => (c.Goid, c.Depth)).Distinct().Count() ?? 0} frames captured");
            }
        }
        finally
        {
            foreach (var s in snapshotters) s.Dispose();
        }
        return 0;
    }
}
