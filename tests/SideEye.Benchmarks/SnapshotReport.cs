using System.Diagnostics;
using System.Globalization;
using SideEye.Loader.Contract;
using SideEye.Loader.Run;
using SideEye.Snapshots.Collection;
using SideEye.Snapshots.Model;
using SideEye.Snapshots.Store;
using SideEye.Testing;

namespace SideEye.Benchmarks;

/// <summary>
/// Pause and end-to-end time of snapshots of testdata/parked holding N idle goroutines (plus its ~30 parked
/// ones and two spinners), newest toolchain. For each N: one cold snapshot (first in this process: binary
/// analysis, code generation, verifier, JIT) and then warm ones through the same LocalSnapshotter, each
/// stored into a DuckDB file. End to end = Take (pause, decode, symbolize) + Append (store).
/// With "deep", the N goroutines are parked 3 to 20 program frames deep (about 16 frames each with the runtime's,
/// a server's realistic stacks: parked -deep) instead of idle in one shallow frame.
/// Needs root. Usage: snapshot [N,N,…] [runs] [max frames] [shallow|deep]   (default 1000,10000,100000, 20 runs, 512 frames, shallow)
/// </summary>
public static class SnapshotReport
{
    public static int Run(string[] args)
    {
        var sizes = args.Length > 0 ? args[0].Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray() : [1_000, 10_000, 100_000];
        var runs = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 20;
        _maxFrames = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 512;
        _deep = args.Length > 3 && args[3] == "deep";
        Console.WriteLine($"cpus {Environment.ProcessorCount}, kernel {File.ReadAllText("/proc/sys/kernel/osrelease").Trim()}, {GoToolchains.Newest.Release}, {runs} warm runs each");
        foreach (var n in sizes) Measure(n, runs);
        return 0;
    }

    static int _maxFrames;
    static bool _deep;

    static void Measure(int idle, int runs)
    {
        using var parked = _deep
            ? new ParkedProgram(GoToolchains.Newest, deep: idle, timeout: TimeSpan.FromMinutes(3))
            : new ParkedProgram(GoToolchains.Newest, idle: idle, timeout: TimeSpan.FromMinutes(3));
        var file = Path.Combine(Path.GetTempPath(), $"sideeye-bench-{Guid.NewGuid():n}.duckdb");
        try
        {
            using var store = SnapshotStore.Open(file);
            using var snapshotter = new LocalSnapshotter { MaxFrames = _maxFrames, MaxPause = TimeSpan.FromSeconds(5) };
            var cold = Once(snapshotter, store, parked.Pid);
            var kind = _deep ? "deep" : "idle";
            var frames = cold.Process.Goroutines.Average(g => g.Frames.Count(f => !f.Inlined));
            Console.WriteLine($"{idle,7} {kind}  cold: {Describe(cold.Process)}, {frames:F1} physical frames a goroutine, end to end {cold.EndToEndMs:F0} ms");
            var warm = Enumerable.Range(0, runs).Select(_ => Once(snapshotter, store, parked.Pid)).ToArray();
            var pause = Stats(warm.Select(w => w.Process.PauseNs / 1e6));
            var probe = Stats(warm.Select(w => w.Process.ProbeNs / 1e6));
            var e2e = Stats(warm.Select(w => w.EndToEndMs));
            Console.WriteLine($"{idle,7} {kind}  warm: {warm[0].Process.Goroutines.Count} goroutines; pause median {pause.Median:F2} ms (min {pause.Min:F2}, max {pause.Max:F2}); " +
                              $"probe median {probe.Median:F2} ms; end to end median {e2e.Median:F0} ms (min {e2e.Min:F0}, max {e2e.Max:F0})");
            var median = warm.OrderBy(w => w.Process.PauseNs).ElementAt(warm.Length / 2).Process.Timings;
            var medianRun = warm.OrderBy(w => w.Process.PauseNs).ElementAt(warm.Length / 2).Process;
            Console.WriteLine($"{idle,7} {kind}  median run: {median}; {median!.ProbeWaitSplit((ulong)(medianRun.MonotonicNs ?? 0), (ulong)((medianRun.MonotonicNs ?? 0) + medianRun.ProbeNs))}");
        }
        finally
        {
            File.Delete(file);
            File.Delete(file + ".wal");
        }
    }

    sealed record Sample(ProcessSnapshot Process, double EndToEndMs);

    static Sample Once(LocalSnapshotter snapshotter, SnapshotStore store, int pid)
    {
        var sw = Stopwatch.StartNew();
        var snapshot = snapshotter.Take([pid]);
        store.Append(snapshot);
        var elapsed = sw.Elapsed.TotalMilliseconds;
        var process = snapshot.Processes[0];
        if (process.Error is not null) throw new InvalidOperationException($"snapshot of {pid} failed: {process.Error}");
        return new Sample(process, elapsed);
    }

    static string Describe(ProcessSnapshot p) =>
        $"{p.Goroutines.Count} goroutines, {p.Timings}, probe (in BPF) {p.ProbeNs / 1e6:F2} ms{(p.Truncated ? ", TRUNCATED" : "")}; " +
        $"probe made in {p.Probe?.PlanTime.TotalMilliseconds:F0} ms, verified and attached in {p.Probe?.LoadTime.TotalMilliseconds:F0} ms: {p.Probe?.Verifier}";

    internal static (double Median, double Min, double Max) Stats(IEnumerable<double> values)
    {
        var v = values.Order().ToArray();
        return (v[v.Length / 2], v[0], v[^1]);
    }
}
