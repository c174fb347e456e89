using System.Diagnostics;

namespace SideEye.Interactive.Tests;

/// <summary>What the framework would let through silently (unknown subcommands and options) and bad targets fail the submission with one line.</summary>
public sealed class DirectiveErrorTests
{
    [Fact]
    public async Task AnUnknownSubcommandFailsNamingItAndTheKnownOnes()
    {
        using var kernel = new ExtensionKernel();
        var message = ExtensionKernel.Failure(await kernel.SubmitAsync("#!sideeye snapshott --pid 1"));
        Assert.Equal("#!sideeye: unknown subcommand 'snapshott' (known: targets, snapshot, stacks, diff, open, debug-dir, goroutine, search, report, column, table, link, capture, connect, fleet, disconnect, spec)", message);
        message = ExtensionKernel.Failure(await kernel.SubmitAsync("#!sideeye tragets"));
        Assert.Equal("#!sideeye: unknown subcommand 'tragets' (known: targets, snapshot, stacks, diff, open, debug-dir, goroutine, search, report, column, table, link, capture, connect, fleet, disconnect, spec)", message);
        message = ExtensionKernel.Failure(await kernel.SubmitAsync("#!sideeye --pid 1"));
        Assert.Equal("#!sideeye: expected a subcommand before '--pid' (known: targets, snapshot, stacks, diff, open, debug-dir, goroutine, search, report, column, table, link, capture, connect, fleet, disconnect, spec)", message);
    }

    [Fact]
    public async Task AnUnknownOptionFailsNamingItAndTheKnownOnes()
    {
        using var kernel = new ExtensionKernel();
        var message = ExtensionKernel.Failure(await kernel.SubmitAsync("#!sideeye snapshot --pidd 1"));
        Assert.Equal("#!sideeye: unknown option '--pidd' for snapshot (known: --pid, --exe, --max-frames, --note, --db, --agent, --where)", message);
        message = ExtensionKernel.Failure(await kernel.SubmitAsync("#!sideeye targets --all"));
        Assert.Equal("#!sideeye: unknown option '--all' for targets (known: --agent, --where)", message);
    }

    [Fact]
    public async Task ARepeatedOptionFailsInsteadOfBeingDropped()
    {
        using var kernel = new ExtensionKernel();
        var message = ExtensionKernel.Failure(await kernel.SubmitAsync("#!sideeye snapshot --pid 1 --pid 2"));
        Assert.Equal("#!sideeye: --pid given twice for snapshot; list several as --pid 1,2", message);
    }

    [Fact]
    public async Task BadValuesFailInOneLine()
    {
        using var kernel = new ExtensionKernel();
        Assert.Equal("#!sideeye: --pid: 'abc' is not a process id", ExtensionKernel.Failure(await kernel.SubmitAsync("#!sideeye snapshot --pid abc")));
        Assert.Equal("#!sideeye: snapshot needs either --pid PID[,PID…] or --exe NAME[,NAME…]", ExtensionKernel.Failure(await kernel.SubmitAsync("#!sideeye snapshot")));
        Assert.Equal($"#!sideeye: --exe: no Go process on {Environment.MachineName} runs an executable named 'no-such-program'",
            ExtensionKernel.Failure(await kernel.SubmitAsync("#!sideeye snapshot --exe no-such-program")));
        // The engine's own check, worded as the command line words it.
        foreach (var frames in new[] { 0, 5000 })
            Assert.Equal($"#!sideeye: --max-frames must be a whole number from 2 to 1024, not {frames}",
                ExtensionKernel.Failure(await kernel.SubmitAsync($"#!sideeye snapshot --pid {Environment.ProcessId} --max-frames {frames}")));
    }

    [Fact]
    public async Task ADeadPidFailsSayingSo()
    {
        int pid;
        using (var exited = Process.Start("true")!)
        {
            exited.WaitForExit();
            pid = exited.Id;
        }
        using var temp = new TempFile();
        using var kernel = new ExtensionKernel();
        var message = ExtensionKernel.Failure(await kernel.SubmitAsync($"#!sideeye snapshot --pid {pid} --db {temp.Path}"));
        Assert.Equal($"#!sideeye: process {pid}: no such process", message);
    }
}
