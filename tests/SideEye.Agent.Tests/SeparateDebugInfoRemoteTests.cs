using SideEye.Binary.DebugInfo;
using SideEye.Probes.Specs;
using SideEye.Remote.Connection;
using SideEye.Remote.Executables;
using SideEye.Snapshots.Collection;
using SideEye.Testing;
using SideEye.Testing.Agents;

namespace SideEye.Agent.Tests;

/// <summary>
/// A stripped program on an agent's machine is snapshotted through the agent with its debug file found on the
/// client's side (the executable crosses the wire, the debug file never does), and without one the process's row
/// says where debug info was looked for.
/// </summary>
[Collection(PrivilegedAgentCollection.Name)]
[Trait("Category", "Privileged")]
public sealed class SeparateDebugInfoRemoteTests : IDisposable
{
    readonly TestFleet _fleet = new();

    [Fact]
    public async Task A_stripped_program_behind_an_agent_is_decoded_with_the_clients_debug_file()
    {
        Requires.Root();
        using var agent = AgentProcess.StartTls(_fleet);
        using var target = new ParkedProgram(GoToolchains.Newest, idle: 20, ns: agent.Namespace, flags: GoBuildFlags.SeparateDebugInfo);
        using var connection = AgentConnection.Open(agent.Address, _fleet.Client, TimeSpan.FromSeconds(30));

        var nowhere = Directory.CreateDirectory(Path.Combine(_fleet.Folder, "no-debug")).FullName;
        var program = ProgramCaptures.ProgramName(GoFixture.Build("parked", GoToolchains.Newest, GoBuildFlags.SeparateDebugInfo));
        using (var without = new RemoteSnapshotter(connection, new ExecutableCache(Path.Combine(_fleet.Folder, "cache")), new OpenedBinaries(DebugInfoSources.None with { Directories = [nowhere] }))
        { Captures = CaptureSpec.Empty.WithCapture(program, "main.chanRecv", "ch") })
        {
            // Without it the goroutines still come (the runtime's layout from shipped data); the captures do not, and the row says where the client looked.
            var bare = Assert.Single((await without.TakeAsync([target.Pid])).Processes);
            Assert.NotNull(bare.Error);
            Assert.Contains("no separate debug file: looked at", bare.Error);
            Assert.Contains("captures need debug info", bare.Error);
            Assert.Contains(nowhere, bare.Error);
            Assert.Contains(bare.Goroutines, g => g.Frames.Any(f => f.Func == "main.sleeper"));
            Assert.Empty(bare.Captures ?? []);
        }

        using var with = new RemoteSnapshotter(connection, new ExecutableCache(Path.Combine(_fleet.Folder, "cache")),
            new OpenedBinaries(DebugInfoSources.None with { Directories = [GoFixture.DebugDirectory] }))
        { MaxPause = TimeSpan.FromSeconds(1) };
        var process = Assert.Single((await with.TakeAsync([target.Pid])).Processes);
        Assert.True(process.Error is null, process.Error);
        var dumped = GoroutineDump.ParseFile(target.DumpPath).Select(d => d.Goid).ToHashSet();
        Assert.Superset(dumped.Where(g => g != 1).ToHashSet(), process.Goroutines.Select(g => g.Goid).ToHashSet());
        Assert.Contains(process.Goroutines, g => g.Frames.Any(f => f.Func == "main.sleeper"));
    }

    public void Dispose() => _fleet.Dispose();
}
