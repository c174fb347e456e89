using System.Text.RegularExpressions;
using SideEye.Interactive.Formatters;
using SideEye.Snapshots.Store;
using SideEye.Testing;

namespace SideEye.Interactive.Tests;

/// <summary>#!sideeye targets and snapshot against a running testdata/parked.</summary>
[Collection(PrivilegedExtensionCollection.Name)]
[Trait("Category", "Privileged")]
public sealed class LiveTargetTests
{
    const int Idle = 500;

    [Fact]
    public async Task TargetsListsTheProgramWithItsGoVersionAndGoroutines()
    {
        Requires.Root();
        using var parked = new ParkedProgram(GoToolchains.Newest, idle: Idle);
        using var kernel = new ExtensionKernel();
        var (targets, html) = ExtensionKernel.Returned<GoTargets>(await kernel.SubmitAsync("#!sideeye targets"));

        var process = Assert.Single(targets.Processes, p => p.Pid == parked.Pid);
        Assert.Matches($@"^go{Regex.Escape(parked.Toolchain.Release)}(\.\d+)?$", process.GoVersion);
        // allglen counts every g allocated, so at least the parked ones and main.
        Assert.True(process.Goroutines >= Idle + parked.Parks.Count, $"{process.Goroutines} goroutines");
        Assert.Contains($"<td>{parked.Pid}</td>", html);
        Assert.Contains($"<td>{process.Goroutines}</td>", html);
        Assert.Contains($"<td>{process.GoVersion}</td>", html);
    }

    [Fact]
    public async Task SnapshotStoresTheGoroutinesInTheDatabase()
    {
        Requires.Root();
        using var parked = new ParkedProgram(GoToolchains.Newest, idle: Idle);
        using var temp = new TempFile();
        using var kernel = new ExtensionKernel();
        var (summary, html) = ExtensionKernel.Returned<SnapshotSummary>(
            await kernel.SubmitAsync($"#!sideeye snapshot --pid {parked.Pid} --db {temp.Path} --note \"from a test\""));

        var process = Assert.Single(summary.Snapshot.Processes);
        Assert.Null(process.Error);
        Assert.True(process.Goroutines.Count >= Idle, $"{process.Goroutines.Count} goroutines");
        // parked's recursion goroutine is deeper than the default 100 frames: the count says "(truncated)".
        Assert.Contains($"<td>{process.Goroutines.Count}{(process.Truncated ? " (truncated)" : "")}</td>", html);
        using (var store = SnapshotStore.OpenReadOnly(temp.Path))
        {
            var stored = store.Query($"SELECT count(*) AS n FROM goroutines WHERE pid = {parked.Pid} AND snapshot_id = {summary.Snapshot.SnapshotId}");
            Assert.Equal(process.Goroutines.Count, Convert.ToInt32(stored[0, "n"]));
            Assert.Equal("from a test", store.Query("SELECT note FROM snapshots")[0, "note"]);
        }
    }

    /// <summary>
    /// --exe finds the process by its executable's file name (a copy with a name of its own, so no other test's
    /// program is paused); the kernel's snapshotter keeps its probe loaded while the kernel lives and unloads with it.
    /// </summary>
    [Fact]
    public async Task SnapshotByExecutableNameAndNothingStaysLoaded()
    {
        Requires.Root();
        var fdsBefore = KernelObjectLeakCheck.KernelObjectFds().Count;
        using var temp = new TempFile();
        var name = $"parked-{Guid.NewGuid():N}"[..20];
        var binary = Path.Combine(Path.GetDirectoryName(temp.Path)!, name);
        File.Copy(GoFixture.Build("parked", GoToolchains.Newest), binary);
        using var program = LaunchedProgram.StartUntilReady(binary, ["-dump", binary + ".dump", "-n", "0", "-threads", "0"], TimeSpan.FromSeconds(60));
        using (var kernel = new ExtensionKernel())
        {
            var (summary, _) = ExtensionKernel.Returned<SnapshotSummary>(await kernel.SubmitAsync($"#!sideeye snapshot --exe {name} --db {temp.Path}"));
            var process = Assert.Single(summary.Snapshot.Processes);
            Assert.Equal(program.Pid, process.Pid);
            Assert.Null(process.Error);
            Assert.NotEmpty(process.Goroutines);
            Assert.True(KernelObjectLeakCheck.KernelObjectFds().Count > fdsBefore, "the probe should stay loaded while the kernel lives");
        }
        Assert.Equal(fdsBefore, KernelObjectLeakCheck.KernelObjectFds().Count);
    }
}
