using SideEye.Agent.Hosting;
using SideEye.Remote.Connection;
using SideEye.Remote.Executables;
using SideEye.Snapshots.Collection;
using SideEye.Testing;
using SideEye.Testing.Agents;

namespace SideEye.Agent.Tests;

/// <summary>
/// The agent on a Unix socket: made 0600 (root only) or 0660 for --group, and every peer checked by its kernel
/// credentials, so a socket left open to others by mistake still admits only root and the group. An ordinary user
/// of the group snapshots another user's process through it, as a notebook kernel does.
/// </summary>
[Collection(PrivilegedAgentCollection.Name)]
[Trait("Category", "Privileged")]
public sealed class UnixSocketTests : IDisposable
{
    readonly string _folder = Directory.CreateTempSubdirectory("sideeye-unix-").FullName;

    public UnixSocketTests() => File.SetUnixFileMode(_folder, (UnixFileMode)0b111_111_111);

    [Fact]
    public async Task Root_snapshots_through_a_socket_only_root_may_open()
    {
        Requires.Root();
        using var agent = AgentProcess.StartUnix();
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(agent.Address.UnixPath!));
        using var target = new ParkedProgram(GoToolchains.Newest, ns: agent.Namespace);
        using var connection = AgentConnection.Open(agent.Address, null);
        using var remote = new RemoteSnapshotter(connection, new ExecutableCache(Path.Combine(_folder, "cache")));
        var process = Assert.Single((await remote.TakeAsync([target.Pid])).Processes);
        Assert.True(process.Error is null, process.Error);
        Assert.NotNull(agent.WaitForAudit(l => (string?)l["call"] == "Snapshot" && ((string?)l["caller"])!.StartsWith("unix uid 0", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task An_agent_started_without_its_runtime_settings_replaces_itself_with_one_that_has_them()
    {
        Requires.Root();
        Assert.All(AgentRuntimeSettings.Wanted, w => Assert.Null(Environment.GetEnvironmentVariable("DOTNET_" + w.Name)));
        using var agent = AgentProcess.StartUnix();
        var environment = File.ReadAllText($"/proc/{agent.HostPid}/environ").Split('\0');
        Assert.All(AgentRuntimeSettings.Wanted, w => Assert.Contains($"DOTNET_{w.Name}={w.Value}", environment));
        Assert.Contains("DOTNET_NOLOGO=1", environment); // the rest of what it was started with is kept
        Assert.Contains("--audit", File.ReadAllText($"/proc/{agent.HostPid}/cmdline").Split('\0'));
        using var connection = AgentConnection.Open(agent.Address, null);
        using var remote = new RemoteSnapshotter(connection, new ExecutableCache(Path.Combine(_folder, "cache")));
        Assert.Empty(await remote.ListAsync());
        Assert.DoesNotContain("default settings", agent.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void A_setting_its_starter_made_is_obeyed()
    {
        Requires.Root();
        using var agent = AgentProcess.StartUnix(prefix: ["env", "DOTNET_TieredCompilation=1"]);
        var environment = File.ReadAllText($"/proc/{agent.HostPid}/environ").Split('\0');
        Assert.Contains("DOTNET_TieredCompilation=1", environment);
        Assert.DoesNotContain("DOTNET_TieredCompilation=0", environment);
        Assert.Contains("DOTNET_ThreadPool_UnfairSemaphoreSpinLimit=0", environment);
    }

    [Fact]
    public void A_member_of_the_group_snapshots_and_a_stranger_is_refused_even_on_an_open_socket()
    {
        Requires.Root();
        using var agent = AgentProcess.StartUnix(["--group", "nogroup"]);
        var socket = agent.Address.UnixPath!;
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite, File.GetUnixFileMode(socket));
        // The socket's folder is root's, reachable by the group.
        File.SetUnixFileMode(Path.GetDirectoryName(socket)!, (UnixFileMode)0b111_101_101);
        using var target = new ParkedProgram(GoToolchains.Newest, ns: agent.Namespace);

        // nobody is in nogroup: its snapshot of root's process goes through, and the agent knows who asked.
        var store = Path.Combine(_folder, "member.duckdb");
        var (code, stdout, stderr) = SideEyeRun.Run(["snapshot", "--agent", "unix:" + socket, "--pid", target.Pid.ToString(), "--out", store],
            AsUser(65534, 65534), UserEnvironment("member"));
        Assert.True(code == 0, $"{stdout}\n{stderr}");
        Assert.Contains($"process {target.Pid} ", stdout);
        Assert.Equal(65534u, Procfs.FileOwner(store));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(store));
        Assert.NotNull(agent.WaitForAudit(l => (string?)l["call"] == "Snapshot" && ((string?)l["caller"])!.StartsWith("unix uid 65534", StringComparison.Ordinal)));

        // A stranger (uid 65534 but group daemon) may not even open the socket; opened up by mistake, the agent still refuses it.
        (code, _, stderr) = SideEyeRun.Run(["targets", "--agent", "unix:" + socket], AsUser(65534, 1), UserEnvironment("stranger"));
        Assert.Equal(1, code);
        Assert.Contains("Permission denied", stderr);
        File.SetUnixFileMode(socket, (UnixFileMode)0b110_110_110);
        (code, _, stderr) = SideEyeRun.Run(["targets", "--agent", "unix:" + socket], AsUser(65534, 1), UserEnvironment("stranger"));
        Assert.Equal(1, code);
        Assert.StartsWith($"sideeye: agent unix:{socket} ", Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
        Assert.NotNull(agent.WaitForAudit(l => (string?)l["call"] == "connect" && (string?)l["outcome"] == "refused"
            && ((string?)l["reason"])!.Contains("is neither root nor in group 65534", StringComparison.Ordinal)));
    }

    static IReadOnlyList<string> AsUser(uint uid, uint gid) => ["setpriv", $"--reuid={uid}", $"--regid={gid}", "--clear-groups", "--"];

    /// <summary>What an ordinary user's process has: a home of its own for dotnet and SideEye's cache.</summary>
    IReadOnlyDictionary<string, string> UserEnvironment(string name)
    {
        var home = Path.Combine(_folder, name);
        Directory.CreateDirectory(home);
        File.SetUnixFileMode(home, (UnixFileMode)0b111_111_111);
        return new Dictionary<string, string> { ["HOME"] = home, ["DOTNET_CLI_HOME"] = home };
    }

    public void Dispose() => Directory.Delete(_folder, true);
}
