using SideEye.GoRuntime.Processes;

namespace SideEye.GoRuntime.Tests;

/// <summary>Which control group names a process's container, from /proc/PID/cgroup as each kind of machine writes it.</summary>
public sealed class ProcessContainerTests
{
    [Theory]
    [InlineData("0::/system.slice/docker-4f2a9c.scope", "/system.slice/docker-4f2a9c.scope")] // cgroup v2 only
    [InlineData("0::/", null)] // v2, the root
    [InlineData("12:pids:/docker/4f2a\n11:name=systemd:/docker/4f2a\n4:memory:/docker/4f2a\n0::/", "/docker/4f2a")] // v1 (hybrid)
    [InlineData("9:name=systemd:/\n8:pids:/\n4:memory:/process_api/d046\n1:cpu:/\n0::/", "/process_api/d046")] // only one v1 hierarchy says
    [InlineData("9:name=systemd:/user.slice\n4:memory:/other\n0::/", "/user.slice")] // systemd's first
    [InlineData("9:name=systemd:/\n4:memory:/\n0::/", null)]
    [InlineData("garbage\n", null)]
    public void The_unified_path_names_it_else_the_most_telling_v1_one(string file, string? expected) =>
        Assert.Equal(expected, ProcessContainer.Pick(file.Split('\n')));

    [Fact]
    public void This_process_is_where_its_own_proc_says()
    {
        Assert.Equal(ProcessContainer.Pick(File.ReadAllLines("/proc/self/cgroup")), ProcessContainer.Cgroup(Environment.ProcessId));
        Assert.Null(ProcessContainer.NamespacePid(Environment.ProcessId));
        Assert.Null(ProcessContainer.Cgroup(int.MaxValue));
    }
}
