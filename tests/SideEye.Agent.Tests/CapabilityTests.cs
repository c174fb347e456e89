using SideEye.Agent.Hosting;
using SideEye.Loader.Privileges;
using SideEye.Testing;
using SideEye.Testing.Agents;

namespace SideEye.Agent.Tests;

/// <summary>
/// The capabilities the agent declares (<see cref="AgentPrivileges"/>, which the deployment files list) are enough:
/// an agent whose bounding set holds exactly those, and nothing else of root's, snapshots a process of another user
/// whose executable only that user may read.
/// </summary>
[Collection(PrivilegedAgentCollection.Name)]
[Trait("Category", "Privileged")]
public sealed class CapabilityTests
{
    [Fact]
    public async Task An_agent_with_only_its_declared_capabilities_snapshots_another_users_process()
    {
        Requires.Root();
        var bounding = "-all," + string.Join(",", AgentPrivileges.All.Select(c => "+" + CapabilitySet.Name(c)["CAP_".Length..].ToLowerInvariant()));
        using var fleet = new TestFleet();
        using var agent = AgentProcess.StartTls(fleet, inside: ["setpriv", "--bounding-set", bounding, "--"]);
        Assert.Equal(AgentPrivileges.All.Select(c => (int)c).Order(), Procfs.CapabilityBits(agent.HostPid).Order());

        // A service of another user (nobody), in the agent's namespace, whose executable only its owner may read.
        var folder = Directory.CreateTempSubdirectory("sideeye-nobody-").FullName;
        File.SetUnixFileMode(folder, (UnixFileMode)0b111_111_111);
        var binary = Path.Combine(folder, "parked");
        File.Copy(GoFixture.Build("parked", GoToolchains.Newest), binary);
        Procfs.Chown(binary, 65534, 65534);
        File.SetUnixFileMode(binary, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        var dump = Path.Combine(folder, "dump.txt");
        try
        {
            using var service = LaunchedProgram.StartUntilReady("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", "--", binary, "-dump", dump],
                TimeSpan.FromSeconds(60), ns: agent.Namespace);
            Assert.Equal(65534u, Procfs.Uid(service.HostPid));
            using var connection = Remote.Connection.AgentConnection.Open(agent.Address, fleet.Client, TimeSpan.FromSeconds(60));
            using var remote = new Snapshots.Collection.RemoteSnapshotter(connection, new Remote.Executables.ExecutableCache(Path.Combine(fleet.Folder, "cache")));
            var process = Assert.Single((await remote.TakeAsync([service.Pid])).Processes);
            Assert.True(process.Error is null, process.Error);
            var dumped = GoroutineDump.ParseFile(dump).Select(g => g.Goid).Where(g => g != 1).ToHashSet();
            Assert.Superset(dumped, process.Goroutines.Select(g => g.Goid).ToHashSet());
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(dump)!, true);
        }
    }
}
