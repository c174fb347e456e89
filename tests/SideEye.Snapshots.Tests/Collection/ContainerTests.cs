using SideEye.Binary.DebugInfo;
using SideEye.Snapshots.Collection;
using SideEye.Snapshots.Selection;
using SideEye.Snapshots.Store;
using SideEye.Testing;

namespace SideEye.Snapshots.Tests.Collection;

/// <summary>
/// A target as a container runs it: its own PID and mount namespaces (unshare), its executable only inside its mount
/// namespace (a tmpfs over an empty folder, nothing on the host's side), its own control group. It is listed and
/// snapshotted with its pid as the host sees it and as it sees itself, and its cgroup, which the store keeps and
/// --where selects on.
/// </summary>
[Trait("Category", "Privileged")]
public sealed class ContainerTests
{
    [Fact]
    public async Task A_process_in_its_own_namespaces_with_an_executable_only_inside_is_snapshotted_with_both_pids_and_its_cgroup()
    {
        Requires.Root();
        var build = GoFixture.Build("parked", GoToolchains.Newest, GoBuildFlags.Stripped);
        var root = Directory.CreateTempSubdirectory("sideeye-container-").FullName;
        var dump = Path.Combine(Path.GetTempPath(), $"container-{Guid.NewGuid():N}.txt");
        var store = Path.Combine(Path.GetTempPath(), $"container-{Guid.NewGuid():N}.duckdb");
        using var cgroup = TestCgroup.Create();
        try
        {
            using (var program = LaunchedProgram.StartUntilReady("unshare",
                ["--pid", "--mount", "--fork", "--mount-proc", "--kill-child", "sh", "-c",
                 "mount -t tmpfs sideeye \"$0\" && cp \"$1\" \"$0/svc\" && exec \"$0/svc\" -spin 0 -dump \"$2\"", root, build, dump],
                TimeSpan.FromSeconds(60)))
            {
                Assert.Equal(1, program.Pid); // as it sees itself
                var executable = Path.Combine(root, "svc");
                Assert.False(File.Exists(executable)); // the host's side of the folder is empty
                var hostPid = Procfs.Pids().Single(pid => Procfs.ExeLink(pid) == executable);
                cgroup.Add(hostPid);

                using var snapshotter = new LocalSnapshotter { DebugInfo = DebugInfoSources.None };
                var listed = Assert.Single(await snapshotter.ListAsync([hostPid]));
                Assert.Equal((1, cgroup.Path, executable), (listed.NamespacePid, listed.Cgroup, listed.Exe));

                var snapshot = snapshotter.Take([hostPid]);
                var process = Assert.Single(snapshot.Processes);
                Assert.True(process.Error is null, process.Error);
                Assert.Equal((hostPid, 1, cgroup.Path), (process.Pid, process.NamespacePid, process.Cgroup));
                var dumped = GoroutineDump.ParseFile(dump).Select(g => g.Goid).Where(g => g != 1).ToHashSet();
                Assert.Superset(dumped, process.Goroutines.Select(g => g.Goid).ToHashSet());

                using var stored = SnapshotStore.Open(store);
                var id = stored.Append(snapshot);
                var row = stored.Query($"SELECT ns_pid, cgroup FROM processes p WHERE snapshot_id = {id} AND {Selector.Parse("cgroup=" + cgroup.Path).ToSql()}");
                var only = Assert.Single(row.Rows);
                Assert.Equal((1, cgroup.Path), (Convert.ToInt32(only[0]), (string?)only[1]));
                Assert.True(Selector.Parse("cgroup~^/sideeye-test-").Matches(process));
            }
        }
        finally
        {
            File.Delete(dump);
            File.Delete(store);
            File.Delete(store + ".wal");
            Directory.Delete(root, true);
        }
    }

    /// <summary>
    /// A stripped build with its debug file beside it, both only inside the container: the .gnu_debuglink is followed
    /// where the process sees its executable (under /proc/PID/root), so it has DWARF, which a search on the host's side
    /// of the same path would not find.
    /// </summary>
    [Fact]
    public async Task The_debuglink_of_an_executable_inside_a_container_is_followed_inside_it()
    {
        Requires.Root();
        var toolchain = GoToolchains.Newest;
        var build = GoFixture.Build("parked", toolchain, GoBuildFlags.SeparateDebugInfo);
        var debugFile = GoFixture.DebugFileOf(GoFixture.GnuBuildIdOf("parked", toolchain));
        var root = Directory.CreateTempSubdirectory("sideeye-container-").FullName;
        try
        {
            using var program = LaunchedProgram.StartUntilReady("unshare",
                ["--pid", "--mount", "--fork", "--mount-proc", "--kill-child", "sh", "-c",
                 "mount -t tmpfs sideeye \"$0\" && cp \"$1\" \"$0/svc\" && cp \"$2\" \"$0/\" && exec \"$0/svc\" -spin 0", root, build, debugFile],
                TimeSpan.FromSeconds(60));
            var executable = Path.Combine(root, "svc");
            var hostPid = Procfs.Pids().Single(pid => Procfs.ExeLink(pid) == executable);
            using var snapshotter = new LocalSnapshotter { DebugInfo = DebugInfoSources.None };
            var binary = await snapshotter.OpenBinaryAsync(Assert.Single(await snapshotter.ListAsync([hostPid])));
            Assert.NotNull(binary.Dwarf);
            Assert.Equal($"/proc/{hostPid}/root{root}/{Path.GetFileName(debugFile)}", binary.DebugFileAt);
        }
        finally
        {
            Directory.Delete(root, true);
        }
    }
}
