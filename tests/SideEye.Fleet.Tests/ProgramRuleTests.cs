using SideEye.Fleet.Files;
using SideEye.Fleet.Programs;

namespace SideEye.Fleet.Tests;

/// <summary>
/// Program rules over a table of processes: each predicate (executable name and path, a command-line flag, an
/// environment variable, the agent's environment, a static label, the hostname, the cgroup) selects exactly the processes it
/// should, all of a rule's predicates must match, the first matching rule wins, and a process no rule matches keeps
/// its executable's name.
/// </summary>
public sealed class ProgramRuleTests
{
    const string Rules = """
        { "version": 1,
          "agents": [
            { "name": "node-1", "address": "unix:/run/a.sock", "environment": "prod", "labels": { "track": "canary" } },
            { "name": "node-2", "address": "unix:/run/b.sock", "environment": "staging" } ],
          "programs": [
            { "name": "api", "match": { "executable_name": "^api-server$", "command_line": "--role=front( |$)" } },
            { "name": "admin", "match": { "executable_name": "^api-server$", "command_line": "--role=admin( |$)" } },
            { "name": "worker", "match": { "env:ROLE": "^worker$", "environment": "^prod$" } },
            { "name": "canary", "match": { "label:track": "^canary$" } },
            { "name": "edge", "match": { "hostname": "^edge-\\d+$" } },
            { "name": "tools", "match": { "executable_path": "^/opt/tools/" } },
            { "name": "contained", "match": { "cgroup": "^/system\\.slice/docker-[0-9a-f]+\\.scope$" } },
            { "name": "batch", "match": { "env:QUEUE": "." } } ] }
        """;

    static readonly ProgramRules Programs = FleetFile.Parse(Rules, "/team/fleet.json").Programs;

    static ProcessFacts Process(string exe, string args = "", string? role = null, string environment = "staging", string? track = null,
        string hostname = "node", string? path = null, string? cgroup = null) => new()
        {
            Cgroup = cgroup,
            ExecutableName = exe,
            ExecutablePath = path ?? $"/usr/bin/{exe}",
            CommandLine = [exe, .. args.Split(' ', StringSplitOptions.RemoveEmptyEntries)],
            EnvironmentVariables = role is null ? new Dictionary<string, string>() : new Dictionary<string, string> { ["ROLE"] = role },
            Host = "node-x",
            Hostname = hostname,
            Environment = environment,
            Labels = track is null ? new Dictionary<string, string>() : new Dictionary<string, string> { ["track"] = track },
        };

    public static TheoryData<string, ProcessFacts, string> Table => new()
    {
        { "name and flag", Process("api-server", "--port=80 --role=front"), "api" },
        { "flag as the last argument", Process("api-server", "--role=front"), "api" },
        { "the other flag", Process("api-server", "--role=admin --port=81"), "admin" },
        { "a flag that only starts the same", Process("api-server", "--role=frontier"), "api-server" },
        { "the flag without the name", Process("proxy", "--role=front"), "proxy" },
        { "the name without a flag", Process("api-server"), "api-server" },
        { "a name the pattern only contains", Process("api-server-old", "--role=front"), "api-server-old" },
        { "variable in prod", Process("jobs", role: "worker", environment: "prod"), "worker" },
        { "variable in staging", Process("jobs", role: "worker", environment: "staging"), "jobs" },
        { "another value of the variable", Process("jobs", role: "workers", environment: "prod"), "jobs" },
        { "no such variable", Process("jobs", environment: "prod"), "jobs" },
        { "label", Process("jobs", track: "canary"), "canary" },
        { "another value of the label", Process("jobs", track: "stable"), "jobs" },
        { "an agent without the label", Process("jobs"), "jobs" },
        { "hostname", Process("cache", hostname: "edge-12"), "edge" },
        { "a hostname the pattern refuses", Process("cache", hostname: "edge-x"), "cache" },
        { "executable path", Process("lint", path: "/opt/tools/lint"), "tools" },
        { "the name elsewhere", Process("lint", path: "/usr/local/opt/tools/lint"), "lint" },
        { "cgroup", Process("shop", cgroup: "/system.slice/docker-4f2a9c.scope"), "contained" },
        { "a cgroup the pattern refuses", Process("shop", cgroup: "/system.slice/shop.service"), "shop" },
        { "the root cgroup", Process("shop"), "shop" },
        { "the first matching rule wins", Process("api-server", "--role=front", track: "canary", environment: "prod"), "api" },
    };

    [Theory]
    [MemberData(nameof(Table))]
    public void Each_rule_selects_exactly_its_processes(string what, ProcessFacts process, string program)
    {
        Assert.True(Programs.ProgramOf(process) == program, $"{what}: {Programs.ProgramOf(process)}, not {program}");
    }

    [Fact]
    public void The_variables_rules_read_are_all_the_agent_is_asked_for()
    {
        Assert.Equal(["QUEUE", "ROLE"], Programs.EnvironmentVariables);
        Assert.Empty(ProgramRules.None.EnvironmentVariables);
    }

    [Fact]
    public void A_process_gets_its_agents_labels_and_the_built_in_ones()
    {
        var labels = Programs.LabelsOf(Process("api-server", "--role=admin", track: "canary", environment: "prod", hostname: "ip-10-0-0-7"));
        Assert.Equal(new Dictionary<string, string>
        {
            ["track"] = "canary",
            ["program"] = "admin",
            ["environment"] = "prod",
            ["host"] = "node-x",
            ["hostname"] = "ip-10-0-0-7",
        }, labels);
        Assert.False(Programs.LabelsOf(Process("jobs") with { Environment = null }).ContainsKey("environment"));
    }

    [Fact]
    public void A_match_that_runs_away_is_one_line_naming_the_rule()
    {
        var rules = FleetFile.Parse("""
            { "version": 1, "agents": [ { "name": "a", "address": "unix:/a" } ],
              "programs": [ { "name": "slow", "match": { "command_line": "(a+)+b" } } ] }
            """, "/team/fleet.json").Programs;
        var e = Assert.Throws<SideEyeException>(() => rules.ProgramOf(Process("x", new string('a', 40) + "!")));
        Assert.StartsWith("/team/fleet.json:2:17: the rule for program slow: command_line \"(a+)+b\" took over 100 ms on \"x aaaa", e.Message);
    }
}
