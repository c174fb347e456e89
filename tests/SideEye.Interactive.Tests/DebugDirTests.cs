using SideEye.Interactive.Formatters;
using SideEye.Testing;

namespace SideEye.Interactive.Tests;

/// <summary>
/// #!sideeye debug-dir: a stripped program (its debug file split off, as distributions ship it) cannot be
/// snapshotted until the session is told where its debug file is; then it can, without restarting the kernel.
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
            // An empty folder first: the cell fails saying where the debug file was looked for, the folder among them.
            var (none, _) = ExtensionKernel.Returned<string>(await kernel.SubmitAsync($"#!sideeye debug-dir --dir {nowhere}"));
            Assert.StartsWith($"debug files are looked for in {nowhere}, ", none);
            Assert.Contains("/usr/lib/debug", none);
            var error = ExtensionKernel.Failure(await kernel.SubmitAsync($"#!sideeye snapshot --pid {parked.Pid} --db {temp.Path}"));
            Assert.DoesNotContain('\n', error);
            Assert.Contains("no separate debug file: looked at", error);
            Assert.Contains(Path.Combine(nowhere, ".build-id"), error);

            var (added, _) = ExtensionKernel.Returned<string>(await kernel.SubmitAsync($"#!sideeye debug-dir --dir {GoFixture.DebugDirectory}"));
            Assert.StartsWith($"debug files are looked for in {GoFixture.DebugDirectory}, {nowhere}, ", added);
            var (taken, _) = ExtensionKernel.Returned<SnapshotSummary>(await kernel.SubmitAsync($"#!sideeye snapshot --pid {parked.Pid} --db {temp.Path}"));
            var process = Assert.Single(taken.Snapshot.Processes);
            Assert.True(process.Error is null, process.Error);
            Assert.Contains(process.Goroutines, g => g.Frames.Any(f => f.Func == "main.sleeper"));

            Assert.Contains("no such folder", ExtensionKernel.Failure(await kernel.SubmitAsync($"#!sideeye debug-dir --dir {nowhere}/missing")));
        }
        finally
        {
            Directory.Delete(nowhere, true);
        }
    }
}
