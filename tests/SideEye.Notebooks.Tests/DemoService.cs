using System.Text.RegularExpressions;
using SideEye.Testing;

namespace SideEye.Notebooks.Tests;

/// <summary>
/// testdata/demo built with the newest toolchain and running, as the notebooks expect it (an executable named
/// demo); disposing kills it. Its output goes to a file, and it is ready once it printed "ready pid=N addr=…".
/// </summary>
sealed partial class DemoService : IDisposable
{
    readonly LaunchedProgram _program;

    /// <summary>The demo's pid, as it sees it (and an agent in its PID namespace does).</summary>
    public int Pid { get; }

    /// <summary>The demo's pid in the test's own PID namespace.</summary>
    public int HostPid { get; }

    /// <summary>The executable that runs (what #!sideeye targets and snapshot show).</summary>
    public string Executable { get; }

    /// <summary>Workers the demo starts (testdata/demo/main.go: `for i := 0; i &lt; 4; i++ { go worker(…) }`).</summary>
    public const int Workers = 4;

    /// <summary>-leak: how often the demo starts a main.fetch that never returns (the leak the notebooks hunt).</summary>
    public const string LeakInterval = "100ms";

    /// <param name="ns">Runs it in this PID namespace (an agent's) instead of the test's.</param>
    public DemoService(string logDirectory, PidNamespace? ns = null)
    {
        Executable = GoFixture.Build("demo", GoToolchains.Newest);
        // A log of its own: several demos (an agent's machine, a fleet's) may share the folder, and each reads its ready line there.
        var log = Path.Combine(logDirectory, ns is null ? "demo.log" : $"demo-in-namespace-{Guid.NewGuid():N}.log");
        _program = LaunchedProgram.StartWithOutputFile(Executable, ["-leak", LeakInterval], log, ns);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var text = File.Exists(log) ? File.ReadAllText(log) : "";
            var ready = ReadyRegex().Match(text);
            if (ready.Success)
            {
                Pid = int.Parse(ready.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
                HostPid = ns?.HostPid(Pid) ?? _program.Pid;
                Assert.Equal(HostPid == _program.Pid, ns is null);
                return;
            }
            if (DateTime.UtcNow > deadline)
            {
                _program.Dispose();
                throw new TimeoutException($"demo (pid {_program.Pid}) printed no ready line within 30 s: {text}");
            }
            Thread.Sleep(50);
        }
    }

    /// <summary>Fails if the demo is gone or left stopped (a pause that was not undone).</summary>
    public void AssertRunning()
    {
        var status = File.ReadAllLines($"/proc/{HostPid}/status").Single(l => l.StartsWith("State:", StringComparison.Ordinal));
        Assert.DoesNotMatch(@"State:\s+[tTZX]", status);
    }

    public void Dispose()
    {
        if (HostPid != _program.Pid) _ = Kill(HostPid, 9);
        _program.Dispose();
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill")]
    static extern int Kill(int pid, int signal);

    [GeneratedRegex(@"^ready pid=(\d+) ", RegexOptions.Multiline)]
    private static partial Regex ReadyRegex();
}
