using System.Text.Json.Nodes;
using SideEye.Fleet.Files;
using SideEye.Remote.Executables;
using SideEye.Snapshots.Fleets;
using SideEye.Snapshots.Selection;
using SideEye.Snapshots.Store;
using SideEye.Testing;
using SideEye.Testing.Agents;
using Xunit.Abstractions;

namespace SideEye.Agent.Tests;

/// <summary>
/// A fleet of eight real agents, each in its own PID namespace on its own loopback address with its own mix of
/// parked processes (pids collide across hosts): the fleet file's rules name each process's program as worked out by
/// hand, a snapshot with --where holds exactly the processes selected, each equal to its program's own dump, on one
/// timeline, and each executable crosses the wire once for the whole fleet.
/// </summary>
[Collection(PrivilegedAgentCollection.Name)]
[Trait("Category", "Privileged")]
public sealed class FleetSnapshotTests(FleetFixture fleet, ITestOutputHelper output) : IClassFixture<FleetFixture>
{
    [Fact]
    public void The_fleets_targets_carry_the_program_the_rules_give_and_the_agents_labels()
    {
        Requires.Root();
        var (code, stdout, stderr) = SideEyeRun.Run(["targets", "--fleet", fleet.FleetFile, "--json"], environment: fleet.ClientEnvironment("targets"));
        Assert.True(code == 0, stderr);
        var rows = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!.AsObject()).ToArray();
        var listed = rows.ToDictionary(r => ((string)r["host"]!, (int)r["pid"]!), r => ((string?)r["program"], (string?)r["environment"], (string?)r["labels"]!["zone"]));
        foreach (var m in fleet.Members)
        {
            var zone = int.Parse(m.Agent["node-".Length..]) % 2 == 0 ? "a" : "b";
            Assert.True(listed.TryGetValue((m.Agent, m.Program.Pid), out var got), $"{m.Agent} pid {m.Program.Pid} is not listed");
            Assert.Equal((m.Agent, m.Program.Pid, m.ExpectedProgram, m.Environment, zone), (m.Agent, m.Program.Pid, got.Item1, got.Item2, got.Item3));
        }
        // Pids collide across hosts: the same pid on several machines is several processes.
        Assert.True(fleet.Members.GroupBy(m => m.Program.Pid).Any(g => g.Count() > 1), "no pid is shared by two hosts");

        // Selectors narrow the listing: equality, inequality and a regular expression, all of them together.
        (code, stdout, stderr) = SideEyeRun.Run(["targets", "--fleet", fleet.FleetFile, "--json", "--where", "program!=api", "--where", "host~^node-[0-5]$", "--where", "environment=prod"],
            environment: fleet.ClientEnvironment("targets"));
        Assert.True(code == 0, stderr);
        var selected = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!.AsObject())
            .Select(r => ((string)r["host"]!, (int)r["pid"]!)).Order().ToArray();
        var expected = fleet.Members.Where(m => m.ExpectedProgram != "api" && m.Environment == "prod").Select(m => (m.Agent, m.Program.Pid)).Order().ToArray();
        Assert.Equal(expected, selected);
    }

    [Fact]
    public async Task A_fleet_snapshot_holds_exactly_the_selected_processes_each_equal_to_its_dump_on_one_timeline()
    {
        Requires.Root();
        using var snapshotter = await Open("in-process");
        var before = DateTimeOffset.UtcNow;
        var taken = await snapshotter.TakeAsync([Selector.Parse("program=api")]);
        var after = DateTimeOffset.UtcNow;
        var api = fleet.Members.Where(m => m.ExpectedProgram == "api").ToArray();
        Assert.Empty(taken.Failures);
        Assert.Equal(api.Select(m => (m.Agent, m.Program.Pid)).Order(), taken.Snapshot.Processes.Select(p => (p.Host!, p.Pid)).Order());
        foreach (var m in api)
        {
            var process = taken.Snapshot.Processes.Single(p => p.Host == m.Agent && p.Pid == m.Program.Pid);
            Assert.True(process.Error is null, process.Error);
            Assert.Equal(("api", m.Environment), (process.Program, process.Environment));
            ParkedDump.AssertMatches(process, m.Program, $"{m.Agent} pid {m.Program.Pid}");
        }

        Timeline(taken, before, after, "cold");

        // Warm, the probes loaded: the same processes again, on the same timeline.
        before = DateTimeOffset.UtcNow;
        var warm = await snapshotter.TakeAsync([Selector.Parse("program=api")]);
        after = DateTimeOffset.UtcNow;
        Assert.Empty(warm.Failures);
        Assert.All(warm.Snapshot.Processes, p => Assert.Null(p.Error));
        Timeline(warm, before, after, "warm");
    }

    /// <summary>
    /// All agents share this machine's clock, so every probe time must fall inside the call (give or take the clocks'
    /// uncertainty), after the shared instant, and the spread is theirs; triggered at one instant, the processes run
    /// their probes far closer together than the whole call took.
    /// </summary>
    void Timeline(FleetSnapshot taken, DateTimeOffset before, DateTimeOffset after, string what)
    {
        var at = taken.Snapshot.TakenAt;
        var times = taken.Snapshot.Processes.Select(p => p.ProbeAt!.Value).ToArray();
        output.WriteLine($"{what}: {times.Length} processes on {taken.Snapshot.Processes.Select(p => p.Host).Distinct().Count()} hosts: spread {taken.Spread!.Value.TotalMilliseconds:F3} ms, " +
                         $"clock uncertainty {taken.ClockUncertainty.TotalMilliseconds:F3} ms, call {(after - before).TotalMilliseconds:F0} ms, instant {(at - before).TotalMilliseconds:F0} ms in; " +
                         $"probes after the instant: {string.Join(", ", times.Select(t => $"{(t - at).TotalMilliseconds:F1}"))} ms; {taken.BytesReceived} bytes received, {taken.BytesSent} sent");
        foreach (var p in taken.Snapshot.Processes) output.WriteLine($"  {p.Host} pid {p.Pid}: {p.Timings}");
        Assert.All(times, t => Assert.InRange(t, Later(before, at) - taken.ClockUncertainty, after + taken.ClockUncertainty));
        Assert.Equal(times.Max() - times.Min(), taken.Spread);
        Assert.True(taken.Spread < (after - before) / 4, $"{what}: spread {taken.Spread} of a {after - before} snapshot");
    }

    static DateTimeOffset Later(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    [Fact]
    public void Snapshot_through_the_command_line_stores_the_selection_with_hosts_programs_and_environments()
    {
        Requires.Root();
        var store = Path.Combine(fleet.CacheFolder, $"fleet-{Guid.NewGuid():N}.duckdb");
        var (code, stdout, stderr) = SideEyeRun.Run(["snapshot", "--fleet", fleet.FleetFile, "--where", "program=worker", "--out", store],
            environment: fleet.ClientEnvironment("cli"));
        Assert.True(code == 0, $"{stdout}\n{stderr}");
        using var opened = SnapshotStore.OpenReadOnly(store);
        var rows = opened.Query("SELECT host, pid, program, environment, labels->>'zone', error FROM processes ORDER BY host, pid").Rows
            .Select(r => ((string)r[0]!, (int)r[1]!, (string?)r[2], (string?)r[3], (string?)r[4], (string?)r[5])).ToArray();
        var expected = fleet.Members.Where(m => m.ExpectedProgram == "worker")
            .Select(m => (m.Agent, m.Program.Pid, (string?)"worker", (string?)m.Environment, (string?)(int.Parse(m.Agent["node-".Length..]) % 2 == 0 ? "a" : "b"), (string?)null))
            .OrderBy(r => r.Agent, StringComparer.Ordinal).ThenBy(r => r.Pid).ToArray();
        Assert.Equal(expected, rows);
        // Every goroutine row names its machine: the same pid on two hosts is two processes.
        var perProcess = opened.Query("SELECT host, pid, count(*) FROM goroutines GROUP BY host, pid").Rows;
        Assert.Equal(expected.Length, perProcess.Count);
        Assert.All(perProcess, r => Assert.True((long)r[2]! >= 15));
    }

    [Fact]
    public async Task Each_executable_crosses_the_wire_once_for_the_whole_fleet()
    {
        Requires.Root();
        // A cache of its own: every host runs the same parked build.
        using var snapshotter = await Open($"once-{Guid.NewGuid():N}");
        var first = await snapshotter.TakeAsync([]);
        Assert.Empty(first.Failures);
        Assert.Equal(fleet.Members.Count, first.Snapshot.Processes.Count);
        var size = new FileInfo(GoFixture.Build("parked", GoToolchains.Newest)).Length;
        output.WriteLine($"{fleet.Members.Count} processes on {fleet.Agents.Count} hosts: {first.ExecutableBytesFetched} executable bytes (the build is {size})");
        Assert.Equal(size, first.ExecutableBytesFetched);
        // And is parsed once: every host's process of that build is planned and decoded with one opened binary.
        var targets = (await snapshotter.ListAsync([])).Where(t => t.Process is not null).ToArray();
        var hosts = targets.DistinctBy(t => t.Host).ToArray();
        Assert.True(hosts.Length >= 2, $"{hosts.Length} hosts listed");
        var opened = await Task.WhenAll(hosts.Select(t => snapshotter.OpenBinaryAsync(t)));
        Assert.All(opened, b => Assert.Same(opened[0], b));
        var again = await snapshotter.TakeAsync([]);
        Assert.Equal(0, again.ExecutableBytesFetched);
        Assert.True(again.BytesSent * 5 < first.BytesSent, $"a warm fleet snapshot sent {again.BytesSent} bytes, the first {first.BytesSent}");
    }

    Task<FleetSnapshotter> Open(string cache) =>
        FleetSnapshotter.OpenAsync(FleetFile.Load(fleet.FleetFile), new FleetSnapshotOptions
        {
            Timeout = TimeSpan.FromSeconds(60),
            MaxPause = TimeSpan.FromSeconds(1),
            Cache = new ExecutableCache(Path.Combine(fleet.CacheFolder, cache)),
        });
}
