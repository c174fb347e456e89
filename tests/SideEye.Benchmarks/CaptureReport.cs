using System.Globalization;
using SideEye.Probes.Specs;
using SideEye.Snapshots.Collection;
using SideEye.Snapshots.Model;
using SideEye.Testing;

namespace SideEye.Benchmarks;

/// <summary>
/// What captures cost the pause: testdata/requests with N goroutines parked in main.(*server).handle, snapshotted
/// warm without captures and with five expressions in every one of those frames, alternating so both see the same
/// machine. Two sets by default: five direct fields (req.ID, req.Path, req.User, len(req.Tags), req.Owner.name),
/// and one that fans out (req.Tags, a []string: the slice and each string are copied too). Needs root.
/// Usage: capture [N,N,…] [runs] [expr;expr;…]   (default 10000, 20 runs, both sets)
/// </summary>
public static class CaptureReport
{
    public static readonly string[] Direct = ["req.ID", "req.Path", "req.User", "len(req.Tags)", "req.Owner.name"];
    public static readonly string[] FanningOut = ["req.ID", "req.Path", "req.User", "req.Tags", "len(req.Tags)"];
    static string[][] _sets = [Direct, FanningOut];

    public static int Run(string[] args)
    {
        var sizes = args.Length > 0 ? args[0].Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray() : [10_000];
        var runs = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 20;
        if (args.Length > 2) _sets = [args[2].Split(';')];
        Console.WriteLine($"cpus {Environment.ProcessorCount}, kernel {File.ReadAllText("/proc/sys/kernel/osrelease").Trim()}, {GoToolchains.Newest.Release}, {runs} warm runs each");
        foreach (var n in sizes)
            foreach (var set in _sets) Measure(n, runs, set);
        return 0;
    }

    static void Measure(int n, int runs, string[] expressions)
    {
        var binary = GoFixture.Build("requests", GoToolchains.Newest);
        using var target = LaunchedProgram.StartUntilReady(binary, ["-n", n.ToString(CultureInfo.InvariantCulture)], TimeSpan.FromMinutes(2));
        var spec = CaptureSpec.Empty.WithCapture("requests", "main.(*server).handle", expressions);
        using var plain = new LocalSnapshotter { MaxFrames = 64, MaxPause = TimeSpan.FromSeconds(5) };
        using var capturing = new LocalSnapshotter { MaxFrames = 64, MaxPause = TimeSpan.FromSeconds(5), Captures = spec };
        Once(plain, target.Pid);
        var load = System.Diagnostics.Stopwatch.StartNew();
        var cold = Once(capturing, target.Pid);
        Console.WriteLine($"{n,7} requests  cold with captures: {load.ElapsedMilliseconds} ms in all (plan, runtime types, program, verifier, load), pause {cold.PauseNs / 1e6:F2} ms, {cold.Captures?.Count} values");
        var without = new List<ProcessSnapshot>();
        var with = new List<ProcessSnapshot>();
        var taken = new List<long>();
        for (var i = 0; i < runs; i++)
        {
            without.Add(Once(plain, target.Pid));
            var sw = System.Diagnostics.Stopwatch.StartNew();
            with.Add(Once(capturing, target.Pid));
            taken.Add(sw.ElapsedMilliseconds);
        }
        var frames = with[0].Captures!.Select(c => (c.Goid, c.Depth)).Distinct().Count();
        var (p0, p1) = (Median(without.Select(p => p.PauseNs)), Median(with.Select(p => p.PauseNs)));
        var (b0, b1) = (Median(without.Select(p => p.ProbeNs)), Median(with.Select(p => p.ProbeNs)));
        Console.WriteLine($"{n,7} requests  [{string.Join(", ", expressions)}]: {frames} frames x {expressions.Length} expressions = {with[0].Captures!.Count} values; " +
                          $"pause median {p0 / 1e6:F2} ms without, {p1 / 1e6:F2} ms with captures (x{p1 / p0:F2}); probe {b0 / 1e6:F2} -> {b1 / 1e6:F2} ms; " +
                          $"snapshot with values decoded {Median(taken):F0} ms");
    }

    static ProcessSnapshot Once(LocalSnapshotter snapshotter, int pid)
    {
        var p = snapshotter.Take([pid]).Processes[0];
        if (p.Error is not null) throw new InvalidOperationException($"snapshot of {pid}: {p.Error}");
        return p;
    }

    static double Median(IEnumerable<long> values)
    {
        var v = values.Order().ToArray();
        return v[v.Length / 2];
    }
}
