using System.Diagnostics;
using SideEye.Testing;

namespace SideEye.Interactive.Tests;

/// <summary>
/// The extension run without privileges against a Go program of root's: root stripped of every capability
/// (setpriv, as in a container without CAP_BPF or CAP_SYS_PTRACE), so its files stay readable wherever the
/// checkout is. targets still answers, and a snapshot fails with the one line that says truthfully what is missing.
/// </summary>
[Collection(PrivilegedExtensionCollection.Name)]
[Trait("Category", "Privileged")]
public sealed class PrivilegeTests
{
    [Fact]
    public void Without_privileges_a_snapshot_says_what_it_needs()
    {
        Requires.Root();
        using var parked = new ParkedProgram(GoToolchains.Newest);
        using var store = new TempFile();
        var lines = RunWithoutCapabilities($"#!sideeye snapshot --pid {parked.Pid} --db {store.Path}", "#!sideeye targets");
        // Root without capabilities is told it is root without CAP_SYS_PTRACE, not that it needs to be root.
        Assert.StartsWith($"failed #!sideeye: process {parked.Pid}: may not read /proc/{parked.Pid}/exe: we run as root (uid 0) without CAP_SYS_PTRACE", lines[0]);
        Assert.DoesNotContain("need root", lines[0]);
        Assert.Equal("ok GoTargets", lines[1]);
    }

    static string[] RunWithoutCapabilities(params string[] cells)
    {
        var start = new ProcessStartInfo("setpriv")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetTempPath(),
        };
        foreach (var a in new[] { "--bounding-set=-all", "--inh-caps=-all", "dotnet", "exec", typeof(CellHost).Assembly.Location }.Concat(cells))
            start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        Assert.True(process.WaitForExit(TimeSpan.FromSeconds(120)), "the kernel without capabilities did not finish");
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == cells.Length, $"exit {process.ExitCode}; stdout: {output}; stderr: {stderr.Result}");
        return lines;
    }
}
