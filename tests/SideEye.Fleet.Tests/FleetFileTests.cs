using SideEye.Fleet.Files;
using SideEye.Fleet.Programs;
using SideEye.Testing;

namespace SideEye.Fleet.Tests;

/// <summary>What a correct fleet file reads as: the issue's example, comments and trailing commas, labels, unix agents.</summary>
public sealed class FleetFileTests
{
    /// <summary>The example from issue 13, as written there.</summary>
    public const string IssueExample = """
        { "version": 1,
          "tls": { "cert": "certs/me.pem", "key": "certs/me.key", "ca": "certs/ca.pem" },
          "agents": [ { "name": "node-1", "address": "https://node-1.internal:7443", "environment": "prod", "labels": { "zone": "a" } } ],
          "programs": [ { "name": "api", "match": { "executable_name": "^api$", "command_line": "--role=front" } },
                        { "name": "worker", "match": { "env:ROLE": "^worker$", "environment": "prod" } } ] }
        """;

    [Fact]
    public void The_issues_example_reads_as_written()
    {
        using var folder = new FleetFolder();
        var path = folder.Write(IssueExample, "team/fleet.json");
        var fleet = FleetFile.Load(path);

        Assert.Equal(path, fleet.Path);
        var agent = Assert.Single(fleet.Agents);
        Assert.Equal("node-1", agent.Name);
        Assert.Equal("node-1.internal", agent.Address.Host);
        Assert.Equal(7443, agent.Address.Port);
        Assert.Null(agent.Address.EndPoint);
        Assert.Equal("prod", agent.Environment);
        Assert.Equal(new Dictionary<string, string> { ["zone"] = "a" }, agent.Labels);
        Assert.Null(agent.Problem);

        // TLS paths start at the file's folder, wherever the reader runs.
        var team = Path.Combine(folder.Path, "team");
        Assert.Equal(Path.Combine(team, "certs", "me.pem"), fleet.Credentials!.CertificatePath);
        Assert.Equal(Path.Combine(team, "certs", "me.key"), fleet.Credentials.KeyPath);
        Assert.Equal(Path.Combine(team, "certs", "ca.pem"), fleet.Credentials.AuthorityPath);

        Assert.Equal(["api", "worker"], fleet.Programs.Rules.Select(r => r.Program));
        Assert.Equal(["executable_name: ^api$", "command_line: --role=front"], fleet.Programs.Rules[0].Predicates.Select(p => p.ToString()));
        Assert.Equal(["env:ROLE: ^worker$", "environment: prod"], fleet.Programs.Rules[1].Predicates.Select(p => p.ToString()));
        Assert.Equal($"{path}:4:17", fleet.Programs.Rules[0].Place);
        Assert.Equal($"{path}:5:17", fleet.Programs.Rules[1].Place);
        Assert.Equal(["ROLE"], fleet.Programs.EnvironmentVariables);
    }

    [Fact]
    public void Comments_trailing_commas_and_a_byte_order_mark_are_allowed()
    {
        using var folder = new FleetFolder();
        var path = folder.Write("\uFEFF" + """
            // the team's fleet
            { "version": 1, /* the only version */
              "agents": [
                { "name": "local", "address": "unix:/run/sideeye/agent.sock", },
              ],
            }
            """);
        var fleet = FleetFile.Load(path);
        Assert.Equal("/run/sideeye/agent.sock", Assert.Single(fleet.Agents).Address.UnixPath);
        Assert.Same(ProgramRules.None, fleet.Programs);
    }

    [Fact]
    public void A_mistake_after_a_byte_order_mark_is_still_at_its_column()
    {
        using var folder = new FleetFolder();
        var path = folder.Write("\uFEFF" + """{ "version": 1, "agent": [] }""");
        var e = Assert.Throws<FleetFileException>(() => FleetFile.Load(path));
        Assert.Equal((1, 17), (e.Line, e.Column));
    }

    [Fact]
    public void Agents_keep_file_order_with_their_environments_and_labels()
    {
        var fleet = FleetFile.Parse("""
            { "version": 1,
              "agents": [
                { "name": "b", "address": "https://10.0.0.2:7443", "environment": "staging" },
                { "name": "a", "address": "https://[fd00::1]:7443", "labels": { "zone": "", "rack": "r1" } },
              ] }
            """, "/srv/team/fleet.json");
        Assert.Equal(["b", "a"], fleet.Agents.Select(a => a.Name));
        Assert.Equal("staging", fleet.Agents[0].Environment);
        Assert.Null(fleet.Agents[1].Environment);
        Assert.Equal("fd00::1", fleet.Agents[1].Address.Host);
        Assert.Equal(new Dictionary<string, string> { ["zone"] = "", ["rack"] = "r1" }, fleet.Agents[1].Labels);
    }

    [Fact]
    public void The_readmes_example_reads_and_names_its_programs()
    {
        var readme = File.ReadAllText(Path.Combine(RepoPaths.Root, "kernel", "SideEye.Fleet", "README.md"));
        var start = readme.IndexOf("```jsonc", StringComparison.Ordinal) + "```jsonc".Length;
        var fleet = FleetFile.Parse(readme[start..readme.IndexOf("```", start, StringComparison.Ordinal)], "/team/fleet.json");
        Assert.Equal(["node-1", "pods", "here"], fleet.Agents.Select(a => a.Name));
        Assert.Equal(["api", "worker"], fleet.Programs.Rules.Select(r => r.Program));
        Assert.Equal("/team/certs/me.pem", fleet.Credentials!.CertificatePath);
    }
}
