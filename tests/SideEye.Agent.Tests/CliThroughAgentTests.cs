using System.Text.Json.Nodes;
using SideEye.Testing;
using SideEye.Testing.Agents;

namespace SideEye.Agent.Tests;

/// <summary>
/// The command line through an agent, as a runbook uses it: `targets --agent --json` lists the agent's processes
/// with their pids as its namespace numbers them; `snapshot --agent --exe --capture` finds the program there, checks
/// the expressions against the executable the agent serves, and stores what a local snapshot would, readably only
/// by its owner.
/// </summary>
[Collection(PrivilegedAgentCollection.Name)]
[Trait("Category", "Privileged")]
public sealed class CliThroughAgentTests(AgentFixture fixture) : IClassFixture<AgentFixture>
{
    [Fact]
    public void Targets_and_a_snapshot_with_captures_through_the_agent()
    {
        Requires.Root();
        using var program = new ValuesProgram(GoToolchains.Newest, ns: fixture.Agent.Namespace);
        var environment = fixture.Fleet.ClientEnvironment(Path.Combine(fixture.CacheFolder, "cli"));
        var (code, stdout, stderr) = SideEyeRun.Run(["targets", "--agent", fixture.Agent.Url, "--json"], environment: environment);
        Assert.True(code == 0, stderr);
        var listed = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!.AsObject()).ToArray();
        var values = Assert.Single(listed, l => (int?)l["pid"] == program.Pid);
        Assert.Equal(program.BinaryPath, (string?)values["exe"]);
        Assert.False(string.IsNullOrEmpty((string?)values["buildId"]));
        Assert.Null((string?)values["refused"]);

        var store = Path.Combine(fixture.CacheFolder, $"cli-{Guid.NewGuid():N}.duckdb");
        (code, stdout, stderr) = SideEyeRun.Run(["snapshot", "--agent", fixture.Agent.Url, "--exe", "values", "--capture", "main.holdScalars=s", "--out", store, "-v"], environment: environment);
        Assert.True(code == 0, $"{stdout}\n{stderr}");
        Assert.Contains($"process {program.Pid} ({program.BinaryPath}", stdout);
        Assert.Contains("main.holdScalars (main_hold_scalars)", stdout);
        Assert.Matches(@"agent https://[0-9.:]+: \d+ bytes received, \d+ sent; \d+ of them executables", stdout);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(store));

        // An expression that cannot work stops the command before anything is paused, with the resolver's reason.
        (code, stdout, stderr) = SideEyeRun.Run(["snapshot", "--agent", fixture.Agent.Url, "--exe", "values", "--capture", "main.holdScalars=s.nope", "--out", store], environment: environment);
        Assert.Equal(1, code);
        Assert.StartsWith($"sideeye: process {program.Pid} (values): ", Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
    }
}
