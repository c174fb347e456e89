using System.Diagnostics;
using System.Text.Json;
using SideEye.Testing;

namespace SideEye.Cli.Tests;

/// <summary>
/// sideeye targets lists the Go programs this test starts, one per toolchain: each with its pid, its executable,
/// the Go version `go version` reads from the binary, an uptime no longer than the test has been running it, and a
/// goroutine count (the runtime's allglen) of at least the goroutines the program parked.
/// </summary>
public sealed class TargetsCommandTests
{
    const int Idle = 5;

    /// <summary>testdata/parked's named parking places, its idle goroutines, and main.</summary>
    const int AtLeastGoroutines = 20 + Idle + 1;

    [Fact]
    public void ListsEveryStartedProgramInTheTableAndAsJson()
    {
        var started = Stopwatch.StartNew();
        var programs = new List<ParkedProgram>();
        try
        {
            foreach (var toolchain in GoToolchains.All) programs.Add(new ParkedProgram(toolchain, idle: Idle));
            var json = CliRunner.Run("targets", "--json");
            var table = CliRunner.Run("targets");
            var elapsed = started.Elapsed;
            Assert.True(json.ExitCode == 0, json.Stderr);
            Assert.True(table.ExitCode == 0, table.Stderr);

            var listed = json.StdoutLines.Select(l => JsonDocument.Parse(l).RootElement).ToDictionary(e => e.GetProperty("pid").GetInt32());
            var header = table.StdoutLines[0];
            // A cgroup column when some process is in a control group other than the root (a container, a service).
            Assert.Matches(@"^\s*pid  go\s+uptime  goroutines  (cgroup\s+)?executable$", header);
            var pidEnd = header.IndexOf("pid", StringComparison.Ordinal) + "pid".Length;
            // A process in a PID namespace of its own (another test's, an agent's) shows "PID (INNER)" in the column.
            var rows = table.StdoutLines.Skip(1).ToDictionary(l => int.Parse(l[..pidEnd].Trim().Split(' ')[0]));
            foreach (var program in programs)
            {
                var binary = GoFixture.Build("parked", program.Toolchain);
                var goVersion = program.Toolchain.Run(RepoPaths.TestData, "version", binary).Split(' ')[1].Trim();
                var context = $"{program.Toolchain} pid {program.Pid}";

                Assert.True(listed.TryGetValue(program.Pid, out var e), $"{context}: not in targets --json:\n{json.Stdout}");
                Assert.Equal((context, Path.GetFullPath(binary)), (context, e.GetProperty("exe").GetString()));
                Assert.Equal((context, goVersion), (context, e.GetProperty("goVersion").GetString()));
                var uptime = e.GetProperty("uptimeSeconds").GetDouble();
                Assert.InRange(uptime, 0, elapsed.TotalSeconds + 0.02); // /proc counts in 10 ms ticks
                Assert.True(e.GetProperty("goroutines").GetInt64() >= AtLeastGoroutines, $"{context}: {e}");

                // The same values in the table, each column starting where its header does (or ending there, for numbers).
                Assert.True(rows.TryGetValue(program.Pid, out var row), $"{context}: not in the table:\n{table.Stdout}");
                Assert.Equal(header.Length - "executable".Length, row.IndexOf(Path.GetFullPath(binary), StringComparison.Ordinal));
                Assert.Equal(goVersion, row.Substring(header.IndexOf(" go ", StringComparison.Ordinal) + 1, goVersion.Length));
                if (header.IndexOf("  cgroup", StringComparison.Ordinal) is var cgroupAt and > 0)
                    Assert.Equal(e.GetProperty("cgroup").GetString() ?? "/", row[(cgroupAt + 2)..].Split(' ')[0]);
                Assert.Equal(Procfs.Cgroup(program.Pid), e.GetProperty("cgroup").GetString());
                var goroutinesEnd = header.IndexOf("goroutines", StringComparison.Ordinal) + "goroutines".Length;
                Assert.Equal(e.GetProperty("goroutines").GetInt64().ToString(), row[..goroutinesEnd].Split(' ', StringSplitOptions.RemoveEmptyEntries)[^1]);
            }
        }
        finally
        {
            foreach (var program in programs) program.Dispose();
        }
    }
}
