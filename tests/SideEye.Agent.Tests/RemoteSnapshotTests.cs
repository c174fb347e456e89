using System.Text.Json.Nodes;
using SideEye.Probes.Specs;
using SideEye.Snapshots.Collection;
using SideEye.Snapshots.Model;
using SideEye.Testing;
using Xunit.Abstractions;

namespace SideEye.Agent.Tests;

/// <summary>
/// A snapshot through a real agent (its own process and PID namespace, TLS on its own loopback address) is the
/// snapshot a local root snapshotter takes of the same process, and what the program's own runtime.Stack dump says,
/// on every toolchain: the same goroutines with the same stacks, frame for frame, and the same captured values;
/// pids as the agent's namespace numbers them; executables fetched once, probes reused.
/// </summary>
[Collection(PrivilegedAgentCollection.Name)]
[Trait("Category", "Privileged")]
public sealed class RemoteSnapshotTests(AgentFixture fixture, ITestOutputHelper output) : IClassFixture<AgentFixture>
{
    [Theory]
    [MemberData(nameof(GoToolchains.Data), MemberType = typeof(GoToolchains))]
    public async Task A_remote_snapshot_equals_a_local_one_and_the_programs_own_dump(string release)
    {
        Requires.Root();
        var toolchain = GoToolchains.Get(release);
        using var parked = new ParkedProgram(toolchain, ns: fixture.Agent.Namespace);
        Assert.NotEqual(parked.Pid, parked.HostPid);
        using var connection = fixture.Connect();
        using var remote = fixture.Snapshotter(connection, maxFrames: 1024);
        var there = Assert.Single((await remote.TakeAsync([parked.Pid])).Processes);
        using var local = new LocalSnapshotter { MaxFrames = 1024 };
        var here = Assert.Single(local.Take([parked.HostPid]).Processes);
        Assert.True(there.Error is null, there.Error);
        Assert.True(here.Error is null, here.Error);
        output.WriteLine($"go{release}: remote {there.Goroutines.Count} goroutines, paused {there.PauseNs / 1e6:F3} ms; local {here.Goroutines.Count}, {here.PauseNs / 1e6:F3} ms");

        // The pid is the agent's (and the program's own) number for it; the machine is the agent's.
        Assert.Equal(parked.Pid, there.Pid);
        Assert.Equal(File.ReadAllText("/proc/sys/kernel/hostname").Trim(), there.Hostname);
        Assert.Equal(here.GoVersion, there.GoVersion);

        // Both agree with each other goroutine for goroutine, and the remote one with the program's own dump.
        // (Only those the dump holds: the runtime's own goroutines may change state between the two snapshots.)
        var moving = parked.Parks.Where(p => p.Kind == "spin").Select(p => p.Goid).Append(1).ToHashSet();
        var still = GoroutineDump.ParseFile(parked.DumpPath).Select(d => d.Goid).Where(id => !moving.Contains(id)).ToHashSet();
        Assert.Equal(here.Goroutines.Where(g => still.Contains(g.Goid)).Select(Describe).Order(), there.Goroutines.Where(g => still.Contains(g.Goid)).Select(Describe).Order());
        ParkedDump.AssertMatches(there, parked, $"go{release}");
    }

    [Theory]
    [MemberData(nameof(GoToolchains.Data), MemberType = typeof(GoToolchains))]
    public async Task Captured_values_through_the_agent_are_the_local_ones(string release)
    {
        Requires.Root();
        using var program = new ValuesProgram(GoToolchains.Get(release), ns: fixture.Agent.Namespace);
        var spec = CaptureSpec.Empty;
        foreach (var (function, parameters) in program.Frames)
            spec = spec.WithCapture("values", function, parameters!.AsObject().Where(p => !IsSkip(p.Value)).Select(p => p.Key).ToArray());
        spec = spec.WithCapture("values", "main.holdScalars", [.. program.Globals.Where(g => !IsSkip(g.Value)).Select(g => g.Key)]);
        Procfs.FaultIn(program.HostPid);

        using var connection = fixture.Connect();
        using var remote = fixture.Snapshotter(connection);
        remote.Captures = spec;
        var there = Assert.Single((await remote.TakeAsync([program.Pid])).Processes);
        using var local = new LocalSnapshotter { Captures = spec };
        var here = Assert.Single(local.Take([program.HostPid]).Processes);
        Assert.True(there.Error is null, there.Error);
        Assert.True(here.Error is null, here.Error);

        static string Key(CapturedValue c) => $"{c.Goid}/{c.Depth}/{c.Function}/{c.Expression}";
        var remoteValues = there.Captures!.ToDictionary(Key);
        var localValues = here.Captures!.ToDictionary(Key);
        Assert.Equal(localValues.Keys.Order(), remoteValues.Keys.Order());
        foreach (var (key, l) in localValues)
        {
            var r = remoteValues[key];
            Assert.Equal((key, l.Type, l.Unavailable), (key, r.Type, r.Unavailable));
            Assert.True(JsonNode.DeepEquals(l.ValueJson is null ? null : JsonNode.Parse(l.ValueJson), r.ValueJson is null ? null : JsonNode.Parse(r.ValueJson)), $"{key}: local {l.ValueJson}, remote {r.ValueJson}");
        }
        // And what the program printed itself (the local snapshotter's own tests compare every value this way).
        var printed = program.Frames.SelectMany(f => f.Value!.AsObject().Where(p => !IsSkip(p.Value)).Select(p => (Function: f.Key, Name: p.Key, Json: p.Value)))
            .Concat(program.Globals.Where(g => !IsSkip(g.Value)).Select(g => (Function: "main.holdScalars", Name: g.Key, Json: g.Value)))
            .Select(p => (p.Name, p.Json, Captured: there.Captures!.Single(c => c.Function == p.Function && c.Expression == p.Name)))
            .Where(p => p.Captured.ValueJson is not null).ToArray();
        Assert.True(printed.Length > 30, $"only {printed.Length} values available");
        Assert.All(printed, p => Assert.True(JsonNode.DeepEquals(p.Json, JsonNode.Parse(p.Captured.ValueJson!)), $"{p.Name}: printed {p.Json}, captured {p.Captured.ValueJson}"));
        Assert.True(there.Captures!.Count > 40, $"only {there.Captures!.Count} values");
        output.WriteLine($"go{release}: {there.Captures!.Count} values, pause {there.PauseNs / 1e6:F2} ms");
    }

    [Fact]
    public async Task A_second_client_reuses_the_cached_executable_and_the_agents_probe()
    {
        Requires.Root();
        using var parked = new ParkedProgram(GoToolchains.Newest, ns: fixture.Agent.Namespace);
        using (var first = fixture.Connect())
        using (var snapshotter = fixture.Snapshotter(first))
        {
            var p = Assert.Single((await snapshotter.TakeAsync([parked.Pid])).Processes);
            Assert.True(p.Error is null, p.Error);
        }
        // A new connection and snapshotter, as a second CLI run would have: the same client certificate.
        using var second = fixture.Connect();
        using var again = fixture.Snapshotter(second);
        var process = Assert.Single((await again.TakeAsync([parked.Pid])).Processes);
        Assert.True(process.Error is null, process.Error);
        Assert.Equal(0, again.ExecutableBytesFetched);
        Assert.True(process.Probe!.Reused, "the agent loaded the probe again");
        var sentFirst = second.Wire.BytesSent;
        // Warm: the job goes by hash only now.
        var third = Assert.Single((await again.TakeAsync([parked.Pid])).Processes);
        Assert.True(third.Error is null, third.Error);
        var sentThird = second.Wire.BytesSent - sentFirst;
        output.WriteLine($"first snapshot sent {sentFirst} bytes (the job), the next {sentThird}");
        Assert.True(sentThird * 5 < sentFirst, $"a warm snapshot sent {sentThird} bytes, the first {sentFirst}");
    }

    [Fact]
    public async Task A_process_in_a_namespace_within_the_agents_is_listed_with_both_pids_and_snapshotted()
    {
        Requires.Root();
        var binary = GoFixture.Build("parked", GoToolchains.Newest);
        var dump = Path.Combine(Path.GetTempPath(), $"nested-{Guid.NewGuid():N}.txt");
        // A container in the agent's machine: a PID namespace inside the agent's, where the program is pid 1.
        using var nested = LaunchedProgram.StartUntilReady("nsenter",
            [.. fixture.Agent.Namespace.Enter.Skip(1), "unshare", "--pid", "--fork", "--mount-proc", "--kill-child", binary, "-dump", dump], TimeSpan.FromSeconds(60));
        try
        {
            Assert.Equal(1, nested.Pid);
            using var connection = fixture.Connect();
            using var remote = fixture.Snapshotter(connection);
            var listed = (await remote.ListAsync()).Where(p => p.NamespacePid == 1 && p.Exe == binary).ToArray();
            var process = Assert.Single(listed);
            Assert.NotEqual(1, process.Pid);
            var snapshot = Assert.Single((await remote.TakeAsync([process.Pid])).Processes);
            Assert.True(snapshot.Error is null, snapshot.Error);
            var dumped = GoroutineDump.ParseFile(dump).Select(g => g.Goid).ToHashSet();
            Assert.Superset(dumped.Where(g => g != 1).ToHashSet(), snapshot.Goroutines.Select(g => g.Goid).ToHashSet());
        }
        finally
        {
            File.Delete(dump);
        }
    }

    static string Describe(GoroutineRecord g) =>
        $"{g.Goid} {g.Status} {g.WaitReason} {g.CreatedByGoid} {g.CreatedByFunc} {g.StartFunc} {g.Truncated} " +
        string.Join(",", (g.Labels ?? new Dictionary<string, string>()).OrderBy(kv => kv.Key).Select(kv => $"{kv.Key}={kv.Value}")) + "\n" +
        string.Join("\n", g.Frames.Select(f => $"{f.Pc:x} {f.Func} {f.File}:{f.Line} {f.Inlined} {f.Wrapper} {f.Shown}"));

    static bool IsSkip(JsonNode? v) => v is JsonValue s && s.TryGetValue<string>(out var text) && text == "$skip";
}
