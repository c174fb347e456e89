using System.Text.Json.Nodes;
using SideEye.Remote.Connection;
using SideEye.Remote.Executables;
using SideEye.Snapshots.Collection;
using SideEye.Snapshots.Model;
using SideEye.Testing;
using SideEye.Testing.Agents;
using Xunit.Abstractions;

namespace SideEye.Agent.Tests;

/// <summary>
/// What a fleet snapshot needs of each agent, against real agents: only the environment variables a client names
/// come back (locally too), and the audit names them without values; a snapshot prepared on an agent and triggered
/// at an instant is paused at that instant, which the probe time on the client's clock shows; agents triggered at
/// one instant pause together; an instant too far ahead is refused in one line; a probe prepared and never
/// triggered goes when idle.
/// </summary>
[Collection(PrivilegedAgentCollection.Name)]
[Trait("Category", "Privileged")]
public sealed class TwoPhaseSnapshotTests(AgentFixture fixture, ITestOutputHelper output) : IClassFixture<AgentFixture>
{
    [Fact]
    public async Task Only_the_environment_variables_asked_for_come_back_and_the_audit_names_them_without_values()
    {
        Requires.Root();
        var secret = $"hunter2-{Guid.NewGuid():N}";
        var role = $"checkout-{Guid.NewGuid():N}";
        using var parked = new ParkedProgram(GoToolchains.Newest, ns: fixture.Agent.Namespace,
            environment: new Dictionary<string, string> { ["SIDEEYE_TEST_SECRET"] = secret, ["SIDEEYE_TEST_ROLE"] = role });
        string[] asked = ["SIDEEYE_TEST_ROLE", "SIDEEYE_TEST_ABSENT"];
        var expected = new Dictionary<string, string> { ["SIDEEYE_TEST_ROLE"] = role };

        using var connection = fixture.Connect();
        using var remote = fixture.Snapshotter(connection);
        var there = Assert.Single(await remote.ListAsync([parked.Pid], asked));
        Assert.Equal(expected, there.Environment);
        Assert.Empty(Assert.Single(await remote.ListAsync([parked.Pid])).Environment);
        using var local = new LocalSnapshotter();
        var here = Assert.Single(await local.ListAsync([parked.HostPid], asked));
        Assert.Equal(expected, here.Environment);

        var line = fixture.Agent.WaitForAudit(l => l["call"]?.GetValue<string>() == "ListProcesses"
            && l["environment_variables"] is JsonArray names && names.Any(n => n?.GetValue<string>() == "SIDEEYE_TEST_ROLE"));
        Assert.NotNull(line);
        output.WriteLine(line.ToJsonString());
        Assert.Equal(asked, line["environment_variables"]!.AsArray().Select(n => n!.GetValue<string>()));
        var audit = File.ReadAllText(fixture.Agent.AuditPath);
        Assert.DoesNotContain(role, audit, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, audit, StringComparison.Ordinal);

        // A name that cannot be one is refused in one line, by the agent and here.
        var refused = await Assert.ThrowsAsync<SideEyeException>(() => remote.ListAsync([parked.Pid], ["A=B"]));
        Assert.Contains("'A=B' is not an environment variable's name", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', refused.Message);
        await Assert.ThrowsAsync<ArgumentException>(() => local.ListAsync([parked.HostPid], ["A=B"]));
    }

    [Fact]
    public async Task A_prepared_snapshot_triggered_at_an_instant_is_taken_at_that_instant()
    {
        Requires.Root();
        using var parked = new ParkedProgram(GoToolchains.Newest, ns: fixture.Agent.Namespace);
        using var connection = fixture.Connect();
        using var remote = fixture.Snapshotter(connection);
        var prepared = await remote.PrepareAsync([parked.Pid]);
        Assert.Empty(prepared.Failed);
        Assert.Equal([parked.Pid], prepared.ReadyPids);
        // The agent runs on this machine: its clock is ours, and the estimate is within its own bound of zero.
        var (offset, uncertainty) = (remote.ClockOffset!.Value, remote.ClockUncertainty!.Value);
        output.WriteLine($"clock offset {offset.TotalMilliseconds:F3} ms ± {uncertainty.TotalMilliseconds:F3} ms");
        Assert.True(offset.Duration() <= uncertainty + TimeSpan.FromMicroseconds(10), $"offset {offset} beyond its uncertainty {uncertainty}");
        // Prepared, not paused: the probe is loaded, the audit shows no pause yet.
        Assert.NotEmpty(fixture.Agent.KernelObjects());
        Assert.NotNull(fixture.Agent.WaitForAudit(l => l["call"]?.GetValue<string>() == "Prepare" && l["pid"]?.GetValue<int>() == parked.Pid));
        Assert.DoesNotContain(fixture.Agent.AuditLines(), l => l["call"]?.GetValue<string>() == "Snapshot" && l["pid"]?.GetValue<int>() == parked.Pid);

        var at = DateTimeOffset.UtcNow.AddMilliseconds(200);
        var process = Assert.Single((await remote.TriggerAsync(prepared, at)).Processes);
        Assert.True(process.Error is null, process.Error);
        Assert.True(process.Goroutines.Count > 10, $"{process.Goroutines.Count} goroutines");
        var probeAt = Assert.NotNull(process.ProbeAt);
        output.WriteLine($"probe {(probeAt - at).TotalMilliseconds:F3} ms after the instant; pause {process.PauseNs / 1e6:F3} ms");
        Assert.True(probeAt >= at - uncertainty, $"the probe ran {(at - probeAt).TotalMilliseconds:F3} ms before the instant");
        Assert.True(probeAt < at + TimeSpan.FromSeconds(1), $"the probe ran {(probeAt - at).TotalMilliseconds:F3} ms after the instant");
        Assert.Throws<InvalidOperationException>(() => remote.TriggerAsync(prepared, at).GetAwaiter().GetResult());
        // The agent's audit says the same on its own clock: the call came ahead of the instant, the stop after it.
        var audited = fixture.Agent.WaitForAudit(l => l["call"]?.GetValue<string>() == "Snapshot" && l["pid"]?.GetValue<int>() == parked.Pid
            && l["stop_late_ms"] is not null);
        Assert.NotNull(audited);
        var (ahead, late) = (audited["ahead_ms"]!.GetValue<double>(), audited["stop_late_ms"]!.GetValue<double>());
        output.WriteLine($"audit: the call came {ahead:F3} ms ahead, the process stopped {late:F3} ms after the instant");
        Assert.InRange(ahead, 0, 200);
        Assert.InRange(late, 0, 1000);
        Assert.InRange((probeAt - at).TotalMilliseconds, late - 2 * uncertainty.TotalMilliseconds - 0.01, late + 2 * uncertainty.TotalMilliseconds + 0.01);

        // A local snapshot's probe time is on this machine's clock, between the call's start and end.
        using var local = new LocalSnapshotter();
        var before = DateTimeOffset.UtcNow;
        var here = Assert.Single(local.Take([parked.HostPid]).Processes);
        var after = DateTimeOffset.UtcNow;
        Assert.True(here.Error is null, here.Error);
        Assert.InRange(Assert.NotNull(here.ProbeAt), before, after);
    }

    [Theory]
    [InlineData(4)]
    public async Task Agents_triggered_at_one_instant_pause_their_processes_together(int count)
    {
        Requires.Root();
        const int Rounds = 5;
        var agents = new List<AgentProcess>();
        var programs = new List<ParkedProgram>();
        var connections = new List<AgentConnection>();
        try
        {
            for (var i = 0; i < count; i++)
            {
                agents.Add(AgentProcess.StartTls(fixture.Fleet));
                programs.Add(new ParkedProgram(GoToolchains.Newest, ns: agents[i].Namespace, spinners: 0));
                connections.Add(AgentConnection.Open(agents[i].Address, fixture.Fleet.Client, TimeSpan.FromSeconds(60)));
            }
            // One executable cache for the fleet: the program is fetched once, however many agents run it.
            var cache = new ExecutableCache(Path.Combine(fixture.Fleet.Folder, $"fleet-cache-{Guid.NewGuid():N}"));
            var snapshotters = connections.Select(c => new RemoteSnapshotter(c, cache) { MaxPause = TimeSpan.FromSeconds(1) }).ToArray();
            List<double> spreads = [], sharedSpreads = [];
            for (var round = 0; round < Rounds; round++)
            {
                var prepared = await Task.WhenAll(snapshotters.Select((s, i) => s.PrepareAsync([programs[i].Pid])));
                Assert.All(prepared, p => Assert.Empty(p.Failed));
                // A second ahead: on this shared 2-vCPU machine a loaded scheduler delays calls and wake-ups by up to 100s of ms.
                var preparedAt = DateTimeOffset.UtcNow;
                var at = preparedAt.AddMilliseconds(1000);
                var rows = (await Task.WhenAll(snapshotters.Select((s, i) => s.TriggerAsync(prepared[i], at)))).Select(s => Assert.Single(s.Processes)).ToArray();
                Assert.All(rows, r => Assert.True(r.Error is null, r.Error));
                var times = rows.Select(r => Assert.NotNull(r.ProbeAt)).ToArray();
                for (var i = 0; i < count; i++)
                {
                    var bound = snapshotters[i].ClockUncertainty!.Value;
                    Assert.True(times[i] >= at - bound, $"agent {i}: the probe ran {(at - times[i]).TotalMilliseconds:F3} ms before the instant");
                    Assert.True(times[i] < at + TimeSpan.FromSeconds(1), $"agent {i}: the probe ran {(times[i] - at).TotalMilliseconds:F3} ms after the instant");
                }
                // On the client's timeline (each agent's clock corrected by its estimated offset), and as the machine's
                // one clock saw them (these agents share it): the estimates' errors make the difference.
                var spread = (times.Max() - times.Min()).TotalMilliseconds;
                var shared = times.Select((t, i) => t + prepared[i].ClockOffset!.Value).ToArray();
                var sharedSpread = (shared.Max() - shared.Min()).TotalMilliseconds;
                spreads.Add(spread);
                sharedSpreads.Add(sharedSpread);
                output.WriteLine($"round {round}: spread {spread:F3} ms on the client's timeline, {sharedSpread:F3} ms on the shared clock; after the instant " +
                    string.Join(", ", times.Select(t => $"{(t - at).TotalMilliseconds:F3}")) + " ms; clock offsets " +
                    string.Join(", ", prepared.Select(p => $"{p.ClockOffset!.Value.TotalMilliseconds:F3}±{p.ClockUncertainty!.Value.TotalMilliseconds:F3}")) + " ms; pauses " +
                    string.Join(", ", rows.Select(r => $"{r.PauseNs / 1e6:F3}")) + " ms; " + string.Join("; ", rows.Select((r, i) => Breakdown(r, times[i] - at))));
                // Together: the spread is small beside the time between preparing and the instant.
                Assert.True(spread < (at - preparedAt).TotalMilliseconds / 4, $"round {round}: the probes ran {spread:F3} ms apart");
                Assert.True(sharedSpread < (at - preparedAt).TotalMilliseconds / 4, $"round {round}: the probes ran {sharedSpread:F3} ms apart on the shared clock");
            }
            spreads.Sort();
            sharedSpreads.Sort();
            output.WriteLine($"{count} agents, {Rounds} rounds: spread median {spreads[Rounds / 2]:F3} ms, max {spreads[^1]:F3} ms on the client's timeline; " +
                $"median {sharedSpreads[Rounds / 2]:F3} ms, max {sharedSpreads[^1]:F3} ms on the shared clock; load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]}; " +
                "executable bytes fetched " + string.Join(", ", snapshotters.Select(s => s.ExecutableBytesFetched)));
            Assert.Single(snapshotters, s => s.ExecutableBytesFetched > 0);
        }
        finally
        {
            foreach (var c in connections) c.Dispose();
            foreach (var p in programs) p.Dispose();
            foreach (var a in agents) a.Dispose();
        }
    }

    /// <summary>Where a probe's lateness went: until the first thread was interrupted, stopping, arming, the trigger, until the probe ran.</summary>
    static string Breakdown(ProcessSnapshot row, TimeSpan late)
    {
        if (row.Timings is not { } t || row.MonotonicNs is not { } probe) return "";
        var inPause = t.StopNs + t.ArmNs + t.TriggerNs + (probe - t.TriggeredAtNs);
        return $"{late.TotalMilliseconds:F1} = {(late.Ticks * 100 - inPause) / 1e6:F1} before + stop {t.StopNs / 1e6:F1} + arm {t.ArmNs / 1e6:F1} + trigger {t.TriggerNs / 1e6:F1} + {(probe - t.TriggeredAtNs) / 1e6:F1}";
    }

    [Fact]
    public async Task An_instant_too_far_ahead_is_refused_in_one_line_and_nothing_is_paused()
    {
        Requires.Root();
        using var parked = new ParkedProgram(GoToolchains.Newest, ns: fixture.Agent.Namespace);
        using var connection = fixture.Connect();
        using var remote = fixture.Snapshotter(connection);
        var prepared = await remote.PrepareAsync([parked.Pid]);
        Assert.Empty(prepared.Failed);
        var process = Assert.Single((await remote.TriggerAsync(prepared, DateTimeOffset.UtcNow.AddMinutes(10))).Processes);
        output.WriteLine(process.Error);
        Assert.NotNull(process.Error);
        Assert.Contains("ahead of the agent's clock", process.Error, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', process.Error);
        Assert.Equal(0, process.PauseNs);
        Assert.Empty(process.Goroutines);
        Assert.NotNull(fixture.Agent.WaitForAudit(l => l["call"]?.GetValue<string>() == "Snapshot" && l["outcome"]?.GetValue<string>() == "refused"
            && l["reason"]?.GetValue<string>()?.Contains("ahead", StringComparison.Ordinal) == true));
    }

    [Fact]
    public async Task A_probe_prepared_and_never_triggered_is_unloaded_when_idle()
    {
        Requires.Root();
        using var agent = AgentProcess.StartTls(fixture.Fleet, extra: ["--probe-idle-s", "2"]);
        using var parked = new ParkedProgram(GoToolchains.Newest, ns: agent.Namespace);
        using var connection = AgentConnection.Open(agent.Address, fixture.Fleet.Client, TimeSpan.FromSeconds(60));
        using var remote = new RemoteSnapshotter(connection, new ExecutableCache(fixture.CacheFolder));
        var prepared = await remote.PrepareAsync([parked.Pid]);
        Assert.Empty(prepared.Failed);
        Assert.NotEmpty(agent.KernelObjects());
        var held = agent.WaitUntilNothingLoaded(TimeSpan.FromSeconds(20));
        Assert.True(held.Count == 0, $"a prepared probe is still loaded: {string.Join(", ", held)}");
        Assert.Empty(Procfs.StoppedThreads(parked.HostPid));
    }
}
