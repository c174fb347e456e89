using SideEye.Fleet.Files;

namespace SideEye.Fleet.Tests;

/// <summary>
/// Every kind of mistake in a fleet file is one line, <c>FILE:LINE:COLUMN: path: what</c>, at the key or value at
/// fault (columns in characters, as editors count them).
/// </summary>
public sealed class FleetFileErrorTests
{
    public static TheoryData<string, string, int, int, string> Mistakes => new()
    {
        {
            "not JSON",
            """
            { "version": 1,
              "agents": [ { "name": "a" "address": "unix:/x" } ] }
            """, 2, 29, "not valid JSON: '\"' is invalid after a value"
        },
        {
            "something after the object",
            """
            { "version": 1,
              "agents": [ { "name": "a", "address": "unix:/x" } ] }
            }
            """, 3, 1, "not valid JSON: '}' is invalid after a single JSON value"
        },
        { "not an object", "[1]", 1, 1, "must be an object, not an array" },
        {
            "unknown key at the top",
            """
            { "version": 1,
              "agent": [] }
            """, 2, 3, "agent: unknown key (keys here: version, tls, agents, programs)"
        },
        {
            "unknown key in an agent",
            """
            { "version": 1,
              "agents": [
                { "name": "a", "adress": "unix:/x" } ] }
            """, 3, 20, "agents[0].adress: unknown key (keys here: name, address, environment, labels)"
        },
        {
            "a column counts characters, not bytes",
            """
            { "version": 1,
              "agents": [ { "name": "zürich", "adress": "unix:/x" } ] }
            """, 2, 35, "agents[0].adress: unknown key"
        },
        {
            "a number for a name",
            """
            { "version": 1,
              "agents": [
                { "name": 7, "address": "unix:/x" } ] }
            """, 3, 15, "agents[0].name: must be a non-empty string, not a number"
        },
        {
            "a string for the tls block",
            """
            { "version": 1,
              "tls": "certs",
              "agents": [ { "name": "a", "address": "unix:/x" } ] }
            """, 2, 10, "tls: must be an object, not a string"
        },
        {
            "another version",
            """
            { "version": 2,
              "agents": [ { "name": "a", "address": "unix:/x" } ] }
            """, 1, 14, "version: 2 is not 1, the version this SideEye reads"
        },
        {
            "the version as a string",
            """
            { "version": "1",
              "agents": [ { "name": "a", "address": "unix:/x" } ] }
            """, 1, 14, "version: \"1\" is not 1, the version this SideEye reads"
        },
        { "no version", """{ "agents": [ { "name": "a", "address": "unix:/x" } ] }""", 1, 1, "\"version\" is missing: say \"version\": 1" },
        {
            "a key given twice",
            """
            { "version": 1, "version": 1,
              "agents": [ { "name": "a", "address": "unix:/x" } ] }
            """, 1, 17, "\"version\" is given twice in this object"
        },
        {
            "two agents of one name",
            """
            { "version": 1,
              "agents": [
                { "name": "a", "address": "unix:/x" },
                { "name": "a", "address": "unix:/y" } ] }
            """, 4, 15, "agents[1].name: \"a\" is already the name of agents[0] ("
        },
        {
            "a slash in a name",
            """
            { "version": 1,
              "agents": [
                { "name": "a/b", "address": "unix:/x" } ] }
            """, 3, 15, "agents[0].name: \"a/b\" has a space or a /; an agent's name has neither"
        },
        {
            "a bad address",
            """
            { "version": 1,
              "agents": [
                { "name": "a", "address": "http://node:1" } ] }
            """, 3, 31, "agents[0].address: agent http://node:1: say https://HOST:PORT or unix:PATH"
        },
        {
            "no agents",
            """
            { "version": 1,
              "agents": [ ] }
            """, 2, 13, "agents: is empty: a fleet needs at least one agent"
        },
        {
            "a label named like a built-in one",
            """
            { "version": 1,
              "agents": [
                { "name": "a", "address": "unix:/x",
                  "labels": { "zone": "a", "host": "b" } } ] }
            """, 4, 32, "agents[0].labels.host: \"host\" is a built-in label (program, environment, host, hostname, pid, exe, go_version, cgroup)"
        },
        {
            "a label that is no name",
            """
            { "version": 1,
              "agents": [
                { "name": "a", "address": "unix:/x",
                  "labels": { "zone": "a", "rack-1": "b" } } ] }
            """, 4, 32, "agents[0].labels.rack-1: \"rack-1\" is not a label name"
        },
        {
            "a bad regular expression",
            """
            { "version": 1,
              "agents": [ { "name": "a", "address": "unix:/x" } ],
              "programs": [
                { "name": "api", "match": { "command_line": "--role=(front" } } ] }
            """, 4, 49, "programs[0].match.command_line: \"--role=(front\" is not a regular expression: Not enough )'s"
        },
        {
            "an unknown predicate",
            """
            { "version": 1,
              "agents": [ { "name": "a", "address": "unix:/x" } ],
              "programs": [
                { "name": "api", "match": { "executable": "^api$" } } ] }
            """, 4, 33, "programs[0].match.executable: unknown predicate (predicates: executable_name, executable_path, command_line, cgroup, env:NAME, hostname, environment, label:NAME)"
        },
        {
            "a variable that is no name",
            """
            { "version": 1,
              "agents": [ { "name": "a", "address": "unix:/x" } ],
              "programs": [
                { "name": "api", "match": { "env:my-var": "x" } } ] }
            """, 4, 33, "programs[0].match.env:my-var: \"my-var\" is not a variable name"
        },
        {
            "a label no agent has",
            """
            { "version": 1,
              "agents": [ { "name": "a", "address": "unix:/x", "labels": { "rack": "1" } } ],
              "programs": [
                { "name": "api", "match": { "label:zone": "a" } } ] }
            """, 4, 33, "programs[0].match.label:zone: no agent has the label \"zone\""
        },
        {
            "a rule without predicates",
            """
            { "version": 1,
              "agents": [ { "name": "a", "address": "unix:/x" } ],
              "programs": [
                { "name": "api", "match": { } } ] }
            """, 4, 31, "programs[0].match: has no predicate"
        },
        {
            "a rule without a name",
            """
            { "version": 1,
              "agents": [ { "name": "a", "address": "unix:/x" } ],
              "programs": [
                { "match": { "executable_name": "api" } } ] }
            """, 4, 5, "programs[0]: \"name\" is missing: the program's name"
        },
        {
            "a path from a variable that is not set",
            """
            { "version": 1,
              "tls": { "cert": "$SIDEEYE_FLEET_TEST_UNSET", "key": "k.pem", "ca": "ca.pem" },
              "agents": [ { "name": "a", "address": "unix:/x" } ] }
            """, 2, 20, "tls.cert: the environment variable SIDEEYE_FLEET_TEST_UNSET is not set"
        },
        {
            "a dollar that is no variable",
            """
            { "version": 1,
              "tls": { "cert": "$my-cert.pem", "key": "k.pem", "ca": "ca.pem" },
              "agents": [ { "name": "a", "address": "unix:/x" } ] }
            """, 2, 20, "tls.cert: \"$my-cert.pem\": write $NAME or $NAME/PATH for a path from environment variable NAME"
        },
    };

    [Theory]
    [MemberData(nameof(Mistakes))]
    public void A_mistake_is_one_line_naming_its_place(string mistake, string json, int line, int column, string why)
    {
        using var folder = new FleetFolder();
        var path = folder.Write(json);
        var e = Assert.Throws<FleetFileException>(() => FleetFile.Load(path));
        Assert.True((line, column) == (e.Line, e.Column), $"{mistake}: expected {line}:{column}, got {e.Message}");
        Assert.StartsWith($"{path}:{line}:{column}: {why}", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void A_missing_file_is_one_line_naming_it()
    {
        var path = Path.Combine(Path.GetTempPath(), $"no-such-fleet-{Guid.NewGuid():N}.json");
        var e = Assert.Throws<FleetFileException>(() => FleetFile.Load(path));
        Assert.StartsWith($"{path}:1:1: cannot read the fleet file: ", e.Message);
    }
}
