using SideEye.Interactive.Formatters;
using SideEye.Probes.Specs;
using SideEye.Testing;

namespace SideEye.Interactive.Tests;

/// <summary>
/// #!sideeye debug-dir: a stripped program (its debug file split off, as distributions ship it) is snapshotted, but a
/// capture in it is refused until the session is told where its debug file is; then it is taken, without restarting
/// the kernel.
/// </summary>
[Collection(PrivilegedExtensionCollection.Name)]
[Trait("Category", "Privileged")]
public sealed class DebugDirTests
{
    [Fact]
    public async Task A_stripped_program_is_snapshotted_once_the_session_knows_its_debug_folder()
    {
        Requires.Root();
        using var parked = new ParkedProgram(GoToolchains.Newest, idle: 30, flags: GoBuildFlags.SeparateDebugInfo);
        using var temp = new TempFile();
        using var kernel = new ExtensionKernel();
        var nowhere = Directory.CreateTempSubdirectory("sideeye-nodebug-").FullName;
        try
        {
            // An empty folder first: a capture is refused in one line saying debug info is needed and where it was looked
            // for, the folder among the places; the snapshot still has every goroutine (the runtime's layout from shipped data).
            var (none, _) = ExtensionKernel.Returned<string>(await kernel.SubmitAsync($"#!sideeye debug-dir --dir {nowhere}"));
            Assert.StartsWith($"debug files are looked for in {nowhere}, ", none);
            Assert.Contains("/usr/lib/debug", none);
            var exe = ProgramCaptures.ProgramName(GoFixture.Build("parked", GoToolchains.Newest, GoBuildFlags.SeparateDebugInfo));
            var refused = ExtensionKernel.Failure(await kernel.SubmitAsync($"#!sideeye capture main.chanRecv ch --exe {exe}"));
            Assert.DoesNotContain('\n', refused);
            Assert.Contains("captures need debug info", refused);
            Assert.Contains(Path.Combine(nowhere, ".build-id"), refused);
            var (without, _) = ExtensionKernel.Returned<SnapshotSummary>(await kernel.SubmitAsync($"#!sideeye snapshot --pid {parked.Pid} --db {temp.Path}"));
            var bare = Assert.Single(without.Snapshot.Processes);
            Assert.True(bare.Error is null, bare.Error);
            Assert.Contains(bare.Goroutines, g => g.Frames.Any(f => f.Func == "main.sleeper"));

            var (added, _) = ExtensionKernel.Returned<string>(await kernel.SubmitAsync($"#!sideeye debug-dir --dir {GoFixture.DebugDirectory}"));
            Assert.StartsWith($"debug files are looked for in {GoFixture.DebugDirectory}, {nowhere}, ", added);
            ExtensionKernel.Returned<SpecView>(await kernel.SubmitAsync($"#!sideeye capture main.chanRecv ch --exe {exe}"));
            var (taken, _) = ExtensionKernel.Returned<SnapshotSummary>(await kernel.SubmitAsync($"#!sideeye snapshot --pid {parked.Pid} --db {temp.Path}"));
            var process = Assert.Single(taken.Snapshot.Processes);
            Assert.True(process.Error is null, process.Error);
            Assert.Contains(process.Captures ?? [], c => c.Function == "main.chanRecv" && c.Expression == "ch");

            Assert.Contains("no such folder", ExtensionKernel.Failure(await kernel.SubmitAsync($"#!sideeye debug-dir --dir {nowhere}/missing")));
        }
        finally
        {
            Directory.Delete(nowhere, true);
        }
    }
}
