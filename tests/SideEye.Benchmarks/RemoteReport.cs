using System.Diagnostics;
using System.Globalization;
using SideEye.Remote.Connection;
using SideEye.Remote.Executables;
using SideEye.Snapshots.Collection;
using SideEye.Snapshots.Model;
using SideEye.Snapshots.Store;
using SideEye.Testing;
using SideEye.Testing.Agents;

namespace SideEye.Benchmarks;

/// <summary>
/// A warm snapshot through an agent against a local one of the same process, in the same run: testdata/parked with
/// N idle goroutines in the PID namespace of a real agent (`sideeye agent`, TLS on a loopback address of its own),
/// snapshotted alternately by a LocalSnapshotter here (root) and a RemoteSnapshotter through the agent, each stored
/// into DuckDB. Prints the pause (the agent's is the same runner's), end to end (snapshot, decode, symbolize, store)
/// and the bytes that crossed the wire (TLS included) per goroutine, and the executable bytes a second client fetched.
/// Needs root. Usage: remote [N,N,…] [runs]   (default 1000,10000, 20 runs)
/// </summary>
public static class RemoteReport
{
    public static int Run(string[] args)
    {
        var sizes = args.Length > 0 ? args[0].Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray() : [1_000, 10_000];
        var runs = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 20;
        Console.WriteLine($"cpus {Environment.ProcessorCount}, kernel {File.ReadAllText("/proc/sys/kernel/osrelease").Trim()}, {GoToolchains.Newest.Release}, {runs} warm runs each");
        using var fleet = new CliFleet();
        using var agent = AgentProcess.StartTls(fleet);
        var credentials = new AgentCredentials(fleet.ClientCertificate, fleet.ClientKey, fleet.AuthorityPath);
        var cache = Path.Combine(fleet.Folder, "cache");
        foreach (var n in sizes) Measure(n, runs, agent, credentials, cache);
        return 0;
    }

    static void Measure(int idle, int runs, AgentProcess agent, AgentCredentials credentials, string cache)
    {
        using var parked = new ParkedProgram(GoToolchains.Newest, idle: idle, timeout: TimeSpan.FromMinutes(3), ns: agent.Namespace);
        var file = Path.Combine(Path.GetTempPath(), $"sideeye-bench-{Guid.NewGuid():n}.duckdb");
        try
        {
            using var store = SnapshotStore.Open(file);
            using var local = new LocalSnapshotter { MaxFrames = 100, MaxPause = TimeSpan.FromSeconds(1) };
            using var connection = AgentConnection.Open(AgentAddress.Parse(agent.Url), credentials, TimeSpan.FromSeconds(60));
            using var remote = new RemoteSnapshotter(connection, new ExecutableCache(cache)) { MaxFrames = 100, MaxPause = TimeSpan.FromSeconds(1) };
            // Cold, both: binary analysis, code generation, verifier; the remote one fetches the executable.
            Once(() => local.Take([parked.HostPid]), store);
            var coldReceived = connection.Wire.BytesReceived;
            Once(() => remote.TakeAsync([parked.Pid]).GetAwaiter().GetResult(), store);
            coldReceived = connection.Wire.BytesReceived - coldReceived;
            var fetched = remote.ExecutableBytesFetched;

            var here = new List<Sample>();
            var there = new List<Sample>();
            for (var i = 0; i < runs; i++)
            {
                here.Add(Once(() => local.Take([parked.HostPid]), store));
                var received = connection.Wire.BytesReceived;
                var sent = connection.Wire.BytesSent;
                there.Add(Once(() => remote.TakeAsync([parked.Pid]).GetAwaiter().GetResult(), store) with
                {
                    Received = connection.Wire.BytesReceived - received,
                    Sent = connection.Wire.BytesSent - sent,
                });
            }
            var goroutines = there[0].Process.Goroutines.Count;
            Console.WriteLine($"{idle,7} idle, {goroutines} goroutines: cold remote snapshot received {coldReceived / 1e6:F1} MB ({fetched / 1e6:F1} MB of it the executable)");
            Console.WriteLine($"{idle,7}   pause median: local {Median(here, s => s.Process.PauseNs / 1e6):F2} ms, remote {Median(there, s => s.Process.PauseNs / 1e6):F2} ms " +
                              $"(ratio {Median(there, s => s.Process.PauseNs / 1e6) / Median(here, s => s.Process.PauseNs / 1e6):F2})");
            Console.WriteLine($"{idle,7}   probe (in BPF) median: local {Median(here, s => s.Process.ProbeNs / 1e6):F2} ms, remote {Median(there, s => s.Process.ProbeNs / 1e6):F2} ms; " +
                              $"median runs: local {Typical(here)}; remote {Typical(there)}");
            Console.WriteLine($"{idle,7}   end to end median: local {Median(here, s => s.EndToEndMs):F1} ms, remote {Median(there, s => s.EndToEndMs):F1} ms " +
                              $"(ratio {Median(there, s => s.EndToEndMs) / Median(here, s => s.EndToEndMs):F2})");
            Console.WriteLine($"{idle,7}   wire per warm snapshot: {Median(there, s => s.Received):F0} bytes received ({Median(there, s => s.Received) / goroutines:F0} per goroutine), " +
                              $"{Median(there, s => s.Sent):F0} sent; a second client fetched {SecondClientFetches(parked.Pid, agent, credentials, cache)} executable bytes");
        }
        finally
        {
            File.Delete(file);
            File.Delete(file + ".wal");
        }
    }

    static long SecondClientFetches(int pid, AgentProcess agent, AgentCredentials credentials, string cache)
    {
        using var connection = AgentConnection.Open(AgentAddress.Parse(agent.Url), credentials);
        using var remote = new RemoteSnapshotter(connection, new ExecutableCache(cache)) { MaxFrames = 100, MaxPause = TimeSpan.FromSeconds(1) };
        var process = remote.TakeAsync([pid]).GetAwaiter().GetResult().Processes[0];
        if (process.Error is not null) throw new InvalidOperationException(process.Error);
        return remote.ExecutableBytesFetched;
    }

    sealed record Sample(ProcessSnapshot Process, double EndToEndMs)
    {
        public long Received { get; init; }
        public long Sent { get; init; }
    }

    static Sample Once(Func<Snapshot> take, SnapshotStore store)
    {
        // Client and agent share this machine's CPUs: the previous snapshot's garbage is collected first, so no pause,
        // local or remote, competes with this process's collector for a CPU the target's threads need to stop.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        Thread.Sleep(20);
        var clock = Stopwatch.StartNew();
        var snapshot = take();
        store.Append(snapshot);
        var elapsed = clock.Elapsed.TotalMilliseconds;
        var process = snapshot.Processes[0];
        if (process.Error is not null) throw new InvalidOperationException($"snapshot of {process.Pid} failed: {process.Error}");
        return new Sample(process, elapsed);
    }

    /// <summary>Where the pause went in the run with the median pause.</summary>
    static string? Typical(IReadOnlyList<Sample> samples) =>
        samples.OrderBy(s => s.Process.PauseNs).ElementAt(samples.Count / 2).Process.Timings?.ToString();

    static double Median(IEnumerable<Sample> samples, Func<Sample, double> value)
    {
        var v = samples.Select(value).Order().ToArray();
        return v[v.Length / 2];
    }
}
