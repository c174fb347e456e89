using SideEye.Remote.Connection;
using SideEye.Remote.Executables;
using SideEye.Snapshots.Collection;
using SideEye.Testing;
using SideEye.Testing.Agents;

namespace SideEye.Agent.Tests;

/// <summary>
/// A probe the agent keeps for a client goes when nobody uses it for --probe-idle-s, when its process exits, and when
/// the agent stops (SIGTERM: a clean exit, nothing stopped, the socket gone).
/// </summary>
[Collection(PrivilegedAgentCollection.Name)]
[Trait("Category", "Privileged")]
public sealed class ProbeLifetimeTests : IDisposable
{
    readonly TestFleet _fleet = new();

    [Fact]
    public async Task An_idle_probe_and_the_probe_of_an_exited_process_are_unloaded()
    {
        Requires.Root();
        using var agent = AgentProcess.StartTls(_fleet, extra: ["--probe-idle-s", "3"]);
        using var kept = new ParkedProgram(GoToolchains.Newest, ns: agent.Namespace);
        await Snapshot(agent, kept.Pid);
        Assert.NotEmpty(agent.KernelObjects());
        // Idle for longer than 3 s: gone within a few sweeps.
        var held = agent.WaitUntilNothingLoaded(TimeSpan.FromSeconds(20));
        Assert.True(held.Count == 0, $"an idle probe is still loaded: {string.Join(", ", held)}");

        using (var exiting = new ParkedProgram(GoToolchains.Newest, ns: agent.Namespace))
        {
            await Snapshot(agent, exiting.Pid);
            Assert.NotEmpty(agent.KernelObjects());
        }
        held = agent.WaitUntilNothingLoaded(TimeSpan.FromSeconds(20));
        Assert.True(held.Count == 0, $"the probe of an exited process is still loaded: {string.Join(", ", held)}");
    }

    [Fact]
    public async Task An_agent_stopped_with_SIGTERM_unloads_everything_and_ends_cleanly()
    {
        Requires.Root();
        var agent = AgentProcess.StartUnix();
        try
        {
            using var target = new ParkedProgram(GoToolchains.Newest, ns: agent.Namespace);
            await Snapshot(agent, target.Pid);
            Assert.NotEmpty(agent.KernelObjects());
            agent.Signal(15);
            Assert.True(agent.WaitForExit(TimeSpan.FromSeconds(20)), "the agent did not end on SIGTERM");
            Assert.Empty(Procfs.StoppedThreads(target.HostPid));
            Assert.DoesNotContain("fail", agent.Output, StringComparison.OrdinalIgnoreCase);
        }
        finally
        {
            agent.Dispose();
        }
    }

    async Task Snapshot(AgentProcess agent, int pid)
    {
        using var connection = AgentConnection.Open(agent.Address, agent.SocketPath is null ? _fleet.Client : null);
        using var remote = new RemoteSnapshotter(connection, new ExecutableCache(Path.Combine(_fleet.Folder, "cache")));
        var process = Assert.Single((await remote.TakeAsync([pid])).Processes);
        Assert.True(process.Error is null, process.Error);
    }

    public void Dispose() => _fleet.Dispose();
}
