using SideEye.Remote.Connection;
using SideEye.Remote.Executables;
using SideEye.Snapshots.Collection;
using SideEye.Testing;
using SideEye.Testing.Agents;

namespace SideEye.Agent.Tests;

/// <summary>
/// One TLS agent in a PID namespace of its own on a loopback address of its own, with a fleet, for a whole test
/// class; each test starts the Go programs it needs in the agent's namespace and connects as a client.
/// </summary>
public sealed class AgentFixture : IDisposable
{
    public TestFleet Fleet { get; } = new();
    public AgentProcess Agent { get; }
    public string CacheFolder { get; } = Directory.CreateTempSubdirectory("sideeye-client-cache-").FullName;

    public AgentFixture()
    {
        Requires.Root();
        Agent = AgentProcess.StartTls(Fleet);
    }

    public AgentConnection Connect(AgentCredentials? credentials = null, TimeSpan? timeout = null) =>
        AgentConnection.Open(Agent.Address, credentials ?? Fleet.Client, timeout ?? TimeSpan.FromSeconds(60));

    public RemoteSnapshotter Snapshotter(AgentConnection connection, int maxFrames = SnapshotOptions.DefaultMaxFrames) =>
        new(connection, new ExecutableCache(CacheFolder)) { MaxFrames = maxFrames, MaxPause = TimeSpan.FromSeconds(1) };

    public void Dispose()
    {
        Agent.Dispose();
        Fleet.Dispose();
        Directory.Delete(CacheFolder, true);
    }
}
