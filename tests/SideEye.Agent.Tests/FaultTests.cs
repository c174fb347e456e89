using System.Diagnostics;
using System.Globalization;
using SideEye.Remote.Connection;
using SideEye.Remote.Executables;
using SideEye.Snapshots.Collection;
using SideEye.Testing;
using SideEye.Testing.Agents;
using Xunit.Abstractions;

namespace SideEye.Agent.Tests;

/// <summary>
/// Whatever fails, no target stays stopped and nothing hangs: the agent SIGKILLed in the middle of a pause (the
/// kernel lets the target go; the client gets one line), the client SIGKILLed in the middle of a snapshot (the agent
/// resumes the target and unloads that call's probe), the agent SIGSTOPped (the client's deadline passes with a clear
/// line), the agent's link cut in the middle of a stream (the client's deadline passes, the agent notices the dead
/// peer and unloads). Targets have 30,000 goroutines, so a pause and a stream last long enough to be interrupted.
/// </summary>
[Collection(PrivilegedAgentCollection.Name)]
[Trait("Category", "Privileged")]
public sealed partial class FaultTests(ITestOutputHelper output) : IDisposable
{
    const int Goroutines = 30_000;
    readonly TestFleet _fleet = new();

    [Fact]
    public async Task The_agent_killed_in_the_middle_of_a_pause_leaves_the_target_running_and_the_client_told()
    {
        Requires.Root();
        using var agent = AgentProcess.StartTls(_fleet);
        using var target = new ParkedProgram(GoToolchains.Newest, idle: Goroutines, ns: agent.Namespace);
        using var connection = AgentConnection.Open(agent.Address, _fleet.Client, TimeSpan.FromSeconds(30));
        using var remote = new RemoteSnapshotter(connection, new ExecutableCache(Path.Combine(_fleet.Folder, "cache"))) { MaxPause = TimeSpan.FromSeconds(1) };
        var warm = Assert.Single((await remote.TakeAsync([target.Pid])).Processes);
        Assert.True(warm.Error is null, warm.Error);
        output.WriteLine($"warm snapshot: {warm.Goroutines.Count} goroutines, paused {warm.PauseNs / 1e6:F1} ms");

        // A pause lasts a fraction of a second: snapshots are taken until one is caught in the act (bounded).
        Task<Snapshots.Model.Snapshot>? snapshot = null;
        for (var attempt = 0; attempt < 10 && snapshot is null; attempt++)
        {
            var taking = remote.TakeAsync([target.Pid]);
            if (WaitForPause(target.HostPid, TimeSpan.FromSeconds(20), () => taking.IsCompleted)) snapshot = taking;
            else Assert.Null(Assert.Single((await taking).Processes).Error);
        }
        Assert.True(snapshot is not null, "no snapshot was ever seen pausing the target");
        agent.Signal(9);
        var clock = Stopwatch.StartNew();
        var process = Assert.Single((await snapshot.WaitAsync(TimeSpan.FromSeconds(60))).Processes);
        output.WriteLine($"the client heard after {clock.ElapsedMilliseconds} ms: {process.Error}");
        Assert.NotNull(process.Error);
        Assert.Equal($"agent {agent.Address} closed the connection in the middle of the call (did it exit, or was it killed?)", process.Error);
        Assert.DoesNotContain('\n', process.Error);
        AssertRunning(target.HostPid);
        Assert.True(agent.WaitForExit(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public void The_client_killed_in_the_middle_of_a_snapshot_makes_the_agent_resume_and_unload()
    {
        Requires.Root();
        using var agent = AgentProcess.StartTls(_fleet);
        using var target = new ParkedProgram(GoToolchains.Newest, idle: Goroutines, ns: agent.Namespace);
        var store = Path.Combine(_fleet.Folder, "client.duckdb");
        string[] snapshot = ["snapshot", "--agent", agent.Address.ToString(), "--pid", target.Pid.ToString(), "--out", store, "--max-pause-ms", "1000"];
        var environment = _fleet.ClientEnvironment(Path.Combine(_fleet.Folder, "cli-cache"));
        var (code, _, stderr) = SideEyeRun.Run(snapshot, environment: environment);
        Assert.True(code == 0, stderr);
        Assert.NotEmpty(agent.KernelObjects()); // the warm probe, kept for this client

        // A client caught pausing the target is killed. On a loaded machine the kill can land after the agent wrote
        // its last answer into the socket: that call ends "ok", keeps its probe warm as any finished call does, and
        // another client is tried (bounded). A call the kill did cut short must end "cancelled", its probe unloaded.
        var cut = false;
        for (var attempt = 0; attempt < 10 && !cut; attempt++)
        {
            var audited = agent.AuditLines().Count;
            using var running = new SideEyeRun(snapshot, environment: environment);
            if (!WaitForPause(target.HostPid, TimeSpan.FromSeconds(60), () => running.HasExited)) continue;
            running.Kill();
            AssertRunning(target.HostPid);
            var ended = WaitForSnapshotOutcome(agent, audited, TimeSpan.FromSeconds(30));
            Assert.True(ended is not null, "the agent wrote no audit line for the killed client's Snapshot call");
            cut = ended == "cancelled";
            if (!cut) output.WriteLine($"attempt {attempt}: the kill came after the call ended ({ended}); trying another client");
        }
        Assert.True(cut, "no client was ever killed in the middle of its Snapshot call");
        var held = agent.WaitUntilNothingLoaded(TimeSpan.FromSeconds(30));
        Assert.True(held.Count == 0, $"the agent still holds {string.Join(", ", held)}");
        // The agent is well: the next client gets its snapshot.
        (code, _, stderr) = SideEyeRun.Run(snapshot, environment: environment);
        Assert.True(code == 0, stderr);
    }

    [Fact]
    public async Task A_stopped_agent_makes_the_clients_deadline_pass_with_a_clear_line()
    {
        Requires.Root();
        using var agent = AgentProcess.StartTls(_fleet);
        using var target = new ParkedProgram(GoToolchains.Newest, ns: agent.Namespace);
        var cache = new ExecutableCache(Path.Combine(_fleet.Folder, "cache"));
        using (var warmConnection = AgentConnection.Open(agent.Address, _fleet.Client))
        using (var warm = new RemoteSnapshotter(warmConnection, cache))
            Assert.Null(Assert.Single((await warm.TakeAsync([target.Pid])).Processes).Error);

        agent.Signal(19); // SIGSTOP
        try
        {
            using var connection = AgentConnection.Open(agent.Address, _fleet.Client, TimeSpan.FromSeconds(3));
            using var remote = new RemoteSnapshotter(connection, cache);
            var process = Assert.Single((await remote.TakeAsync([target.Pid]).WaitAsync(TimeSpan.FromSeconds(60))).Processes);
            Assert.Equal($"agent {agent.Address} did not answer within 3 s", process.Error);
            AssertRunning(target.HostPid);
        }
        finally
        {
            agent.Signal(18); // SIGCONT
        }
        using var again = AgentConnection.Open(agent.Address, _fleet.Client, TimeSpan.FromSeconds(30));
        using var next = new RemoteSnapshotter(again, cache);
        Assert.Null(Assert.Single((await next.TakeAsync([target.Pid])).Processes).Error);
        AssertRunning(target.HostPid);
    }

    [Fact]
    public void The_agents_link_cut_in_the_middle_of_a_stream_ends_the_call_on_both_sides()
    {
        Requires.Root();
        using var network = new NetworkPair();
        using var agent = AgentProcess.StartTls(_fleet, new System.Net.IPEndPoint(network.AgentAddress, 7443), prefix: network.InAgent);
        using var target = new ParkedProgram(GoToolchains.Newest, idle: Goroutines, ns: agent.Namespace);
        var store = Path.Combine(_fleet.Folder, "link.duckdb");
        string[] snapshot = ["snapshot", "--agent", agent.Address.ToString(), "--pid", target.Pid.ToString(), "--out", store, "--timeout", "15", "--max-pause-ms", "1000"];
        var environment = _fleet.ClientEnvironment(Path.Combine(_fleet.Folder, "link-cache"));
        var (code, _, stderr) = SideEyeRun.Run(snapshot, network.InClient, environment);
        Assert.True(code == 0, stderr);

        // About 1 MB/s from the agent: the snapshot's records (some 10 MB) take seconds to cross.
        NetworkPair.Ip("-n", network.AgentNamespace, "link", "set", network.AgentLink, "up");
        Run("ip", "netns", "exec", network.AgentNamespace, "tc", "qdisc", "add", "dev", network.AgentLink, "root", "tbf", "rate", "8mbit", "burst", "32kbit", "latency", "2s");
        using var client = new SideEyeRun(snapshot, network.InClient, environment);
        // The records crossing the slow link say the pause is over and the stream has begun; a pause of some 15 ms
        // cannot be caught reliably by polling /proc on a loaded machine.
        Assert.True(WaitForBytesSent(network, 1_000_000, TimeSpan.FromSeconds(60), () => client.HasExited), "the agent never began to send the records");
        AssertRunning(target.HostPid);
        Thread.Sleep(1000); // the records are on their way
        Assert.False(client.HasExited, "the snapshot had crossed already: the link was not cut mid-stream");
        network.CutLink();
        var clock = Stopwatch.StartNew();
        (code, var stdout, stderr) = client.Wait(TimeSpan.FromSeconds(90));
        output.WriteLine($"the client gave up after {clock.ElapsedMilliseconds} ms: {stdout.Trim()} {stderr.Trim()}");
        Assert.Equal(1, code);
        // The process's row says why, in the summary.
        Assert.Contains($"process {target.Pid}: error: agent {agent.Address} did not answer within 15 s", stdout);
        AssertRunning(target.HostPid);
        var held = agent.WaitUntilNothingLoaded(TimeSpan.FromSeconds(60));
        Assert.True(held.Count == 0, $"the agent still holds {string.Join(", ", held)} after the link went down");
        output.WriteLine($"the agent unloaded {clock.ElapsedMilliseconds} ms after the cut");
    }

    /// <summary>Waits until the agent's side of the link has sent <paramref name="bytes"/> (its shaping qdisc counts them).</summary>
    static bool WaitForBytesSent(NetworkPair network, long bytes, TimeSpan timeout, Func<bool> over)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout && !over())
        {
            var psi = new ProcessStartInfo("ip") { RedirectStandardOutput = true };
            foreach (var a in new[] { "netns", "exec", network.AgentNamespace, "tc", "-s", "qdisc", "show", "dev", network.AgentLink }) psi.ArgumentList.Add(a);
            using var tc = Process.Start(psi)!;
            var shown = tc.StandardOutput.ReadToEnd();
            tc.WaitForExit();
            if (SentBytes().Match(shown) is { Success: true } m && long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) >= bytes) return true;
            Thread.Sleep(50);
        }
        return false;
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"Sent (\d+) bytes")]
    private static partial System.Text.RegularExpressions.Regex SentBytes();

    /// <summary>
    /// How the Snapshot call audited after line <paramref name="after"/> ended: "cancelled" as soon as it says so; the
    /// outcome of its job's line ("ok", …) when no "cancelled" follows within 3 s of it (a job's line is written when its
    /// run ends, before the answer is streamed, so a cut stream comes after it); null when nothing came in time.
    /// </summary>
    static string? WaitForSnapshotOutcome(AgentProcess agent, int after, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        TimeSpan? firstSeen = null;
        string? first = null;
        while (clock.Elapsed < timeout)
        {
            var lines = agent.AuditLines().Skip(after).Where(l => (string?)l["call"] == "Snapshot").ToArray();
            if (lines.Any(l => (string?)l["outcome"] == "cancelled")) return "cancelled";
            if (lines.Length > 0 && firstSeen is null) (firstSeen, first) = (clock.Elapsed, (string?)lines[0]["outcome"]);
            if (firstSeen is { } seen && clock.Elapsed - seen > TimeSpan.FromSeconds(3)) return first;
            Thread.Sleep(20);
        }
        return first;
    }

    /// <summary>Polls the target's threads (bounded) until one is in a tracing stop, a pause in progress; false once <paramref name="over"/> says the attempt ended.</summary>
    static bool WaitForPause(int pid, TimeSpan timeout, Func<bool> over)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (Procfs.ThreadStates(pid).Values.Any(s => s == 't')) return true;
            if (over()) return Procfs.ThreadStates(pid).Values.Any(s => s == 't');
            Thread.SpinWait(100);
        }
        return false;
    }

    static void AssertRunning(int pid)
    {
        var states = Procfs.WaitUntilRunning(pid, 10_000);
        Assert.True(states.Count > 0, $"process {pid} is gone");
        Assert.DoesNotContain(states, s => s.Value is 't' or 'T');
    }

    static void Run(params string[] command)
    {
        var psi = new ProcessStartInfo(command[0]) { RedirectStandardError = true };
        foreach (var a in command.Skip(1)) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var error = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"{string.Join(' ', command)}: {error}");
    }

    public void Dispose() => _fleet.Dispose();
}
