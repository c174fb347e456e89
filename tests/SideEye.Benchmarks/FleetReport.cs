using System.Diagnostics;
using System.Globalization;
using SideEye.Fleet;
using SideEye.Fleet.Agents;
using SideEye.Fleet.Programs;
using SideEye.Remote.Connection;
using SideEye.Remote.Executables;
using SideEye.Snapshots.Fleets;
using SideEye.Snapshots.Store;
using SideEye.Testing;
using SideEye.Testing.Agents;

namespace SideEye.Benchmarks;

/// <summary>
/// Fleet snapshots of growing fleets in one run: real agents (`sideeye agent`, each in a PID namespace of its own on
/// a loopback address of its own, TLS) each with one testdata/parked process of N idle goroutines, snapshotted as one
/// fleet of the first 1, 4, 16 … agents and stored into DuckDB. Prints, per fleet size, the median end to end (both
/// phases, decode, store), the spread of the processes' probe times on the client's timeline, the clocks' uncertainty
/// and the bytes on the wire of a warm snapshot (executables included, which must be none).
/// Needs root. Usage: fleet [AGENTS,AGENTS,…] [N idle goroutines] [runs]   (default 1,4,16 agents, 1000, 10 runs)
/// </summary>
public static class FleetReport
{
    public static int Run(string[] args)
    {
        var sizes = args.Length > 0 ? args[0].Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray() : [1, 4, 16];
        var idle = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 1000;
        var runs = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 10;
        Console.WriteLine($"cpus {Environment.ProcessorCount}, kernel {File.ReadAllText("/proc/sys/kernel/osrelease").Trim()}, {GoToolchains.Newest.Release}, " +
                          $"{idle} idle goroutines per process, {runs} warm runs each");
        using var certificates = new CliFleet();
        var agents = new List<AgentProcess>();
        var programs = new List<ParkedProgram>();
        try
        {
            var clock = Stopwatch.StartNew();
            // A few at a time: every agent's start is a .NET runtime's start, and this machine's CPUs are few.
            foreach (var batch in Enumerable.Range(0, sizes.Max()).Chunk(4))
                agents.AddRange(Task.WhenAll(batch.Select(_ => Task.Run(() => AgentProcess.StartTls(certificates)))).GetAwaiter().GetResult());
            foreach (var agent in agents)
                programs.Add(new ParkedProgram(GoToolchains.Newest, idle: idle, timeout: TimeSpan.FromMinutes(3), ns: agent.Namespace, spinners: 0));
            Console.WriteLine($"{agents.Count} agents and their processes started in {clock.Elapsed.TotalSeconds:F1} s; " +
                              $"agents' RSS {agents.Sum(a => Rss(a.HostPid)) / agents.Count / 1024.0:F0} MiB each");
            var credentials = new AgentCredentials(certificates.ClientCertificate, certificates.ClientKey, certificates.AuthorityPath);
            foreach (var n in sizes) Measure(agents.Take(n).ToArray(), programs.Take(n).ToArray(), credentials, Path.Combine(certificates.Folder, $"cache-{n}"), runs);
        }
        finally
        {
            foreach (var p in programs) p.Dispose();
            foreach (var a in agents) a.Dispose();
        }
        return 0;
    }

    static void Measure(AgentProcess[] agents, ParkedProgram[] targets, AgentCredentials credentials, string cache, int runs)
    {
        var fleet = new FleetSpec("(benchmark)", agents.Select((a, i) => new FleetAgent($"node-{i}", AgentAddress.Parse(a.Url), "bench", new Dictionary<string, string>())).ToArray(),
            credentials, ProgramRules.None);
        var file = Path.Combine(Path.GetTempPath(), $"sideeye-fleet-bench-{Guid.NewGuid():n}.duckdb");
        try
        {
            using var store = SnapshotStore.Open(file);
            using var snapshotter = FleetSnapshotter.OpenAsync(fleet, new FleetSnapshotOptions
            {
                Timeout = TimeSpan.FromSeconds(60),
                MaxPause = TimeSpan.FromSeconds(1),
                Cache = new ExecutableCache(cache),
            }).GetAwaiter().GetResult();
            var cpu = new CpuTimes(agents.Select(a => a.HostPid), targets.Select(t => t.HostPid));
            var cold = Once(snapshotter, store, cpu);
            cpu.Reset();
            var warm = Enumerable.Range(0, runs).Select(_ => Once(snapshotter, store, cpu)).ToArray();
            var (agentsCpu, targetsCpu, clientCpu) = cpu.Total;
            var goroutines = warm[0].Taken.Snapshot.Processes.Sum(p => p.Goroutines.Count);
            Console.WriteLine($"{agents.Length,3} agents, {goroutines} goroutines: cold {cold.EndToEndMs:F0} ms ({cold.Taken.ExecutableBytesFetched / 1e6:F1} MB of executables fetched once for the fleet)");
            Console.WriteLine($"{agents.Length,3}   end to end median {Median(warm, s => s.EndToEndMs):F1} ms; spread of probe times median {Median(warm, s => s.Taken.Spread?.TotalMilliseconds ?? 0):F3} ms, " +
                              $"max {warm.Max(s => s.Taken.Spread?.TotalMilliseconds ?? 0):F3} ms; clocks known to within {Median(warm, s => s.Taken.ClockUncertainty.TotalMilliseconds):F3} ms");
            Console.WriteLine($"{agents.Length,3}   phase one median {Median(warm, s => s.Taken.PhaseOne.TotalMilliseconds):F1} ms, instant to last answer decoded {Median(warm, s => s.Taken.PhaseTwo.TotalMilliseconds):F1} ms, " +
                              $"store {Median(warm, s => s.StoreMs):F1} ms");
            Console.WriteLine($"{agents.Length,3}   after the instant: the first process stopped {Median(warm, s => Late(s.Taken, first: true)):F3} ms, the last {Median(warm, s => Late(s.Taken, first: false)):F3} ms (medians)");
            var timed = agents.SelectMany(a => a.AuditLines().Where(l => l["stop_late_ms"] is not null).TakeLast(runs)).ToArray();
            Console.WriteLine($"{agents.Length,3}   as the agents saw it: calls arrived {Quartiles(timed.Select(l => (double)l["ahead_ms"]!))} ms ahead of the instant, " +
                              $"processes stopped {Quartiles(timed.Select(l => (double)l["stop_late_ms"]!))} ms after it (min, quartiles, max)");
            Console.WriteLine($"{agents.Length,3}   CPU per warm snapshot: agents {agentsCpu / runs:F1} ms, their targets {targetsCpu / runs:F1} ms, this client {clientCpu / runs:F1} ms");
            Console.WriteLine($"{agents.Length,3}   pause median {Median(warm, s => s.Taken.Snapshot.Processes.Max(p => p.PauseNs) / 1e6):F2} ms (the longest in each snapshot); " +
                              $"wire per warm snapshot {Median(warm, s => s.Taken.BytesReceived):F0} bytes received, {Median(warm, s => s.Taken.BytesSent):F0} sent, " +
                              $"{warm.Sum(s => s.Taken.ExecutableBytesFetched)} executable bytes in all warm runs; this client's RSS {Environment.WorkingSet / (1 << 20)} MiB");
        }
        finally
        {
            File.Delete(file);
            File.Delete(file + ".wal");
        }
    }

    sealed record Sample(FleetSnapshot Taken, double EndToEndMs, double StoreMs);

    static Sample Once(FleetSnapshotter snapshotter, SnapshotStore store, CpuTimes cpu)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        Thread.Sleep(20);
        using var _ = cpu.Measure();
        var clock = Stopwatch.StartNew();
        var taken = snapshotter.TakeAsync([]).GetAwaiter().GetResult();
        var stored = clock.Elapsed.TotalMilliseconds;
        store.Append(taken.Snapshot);
        var elapsed = clock.Elapsed.TotalMilliseconds;
        if (taken.Failures.Count > 0 || taken.Snapshot.Processes.Any(p => p.Error is not null))
            throw new InvalidOperationException($"the fleet snapshot failed: {string.Join("; ", taken.Failures.Select(f => $"{f.Key}: {f.Value}").Concat(taken.Snapshot.Processes.Where(p => p.Error is not null).Select(p => $"{p.Host} {p.Pid}: {p.Error}")))}");
        return new Sample(taken, elapsed, elapsed - stored);
    }

    /// <summary>How long after the shared instant the first (or last) process was stopped, on the client's timeline.</summary>
    static double Late(FleetSnapshot taken, bool first)
    {
        var stopped = taken.Snapshot.Processes.Where(p => p.ProbeAt is not null).Select(p => (p.ProbeAt!.Value - taken.Snapshot.TakenAt).TotalMilliseconds).ToArray();
        return first ? stopped.Min() : stopped.Max();
    }

    static string Quartiles(IEnumerable<double> values)
    {
        var v = values.Order().ToArray();
        return v.Length == 0 ? "-" : string.Join(" / ", new[] { 0, v.Length / 4, v.Length / 2, 3 * v.Length / 4, v.Length - 1 }.Select(i => v[i].ToString("F2", CultureInfo.InvariantCulture)));
    }

    static long Rss(int pid) =>
        long.Parse(File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);

    static double Median<T>(IEnumerable<T> samples, Func<T, double> value)
    {
        var v = samples.Select(value).Order().ToArray();
        return v[v.Length / 2];
    }
}
