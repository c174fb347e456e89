using System.Text.Json.Nodes;

namespace SideEye.Agent.Tests;

/// <summary>
/// A fleet file as a team writes one: the client's certificates, the agents (each with an environment and a zone
/// label, a and b in turn), and two program rules: api by a command-line flag of parked, worker by an environment
/// variable in prod. Anything else keeps its executable's name.
/// </summary>
static class TestFleetFile
{
    /// <summary>A fleet file for agents (name, url, environment) with the client's certificates and the fleet's program rules.</summary>
    public static string Write(string path, TestFleet certificates, IEnumerable<(string Name, string Url, string Environment)> agents)
    {
        var file = new JsonObject
        {
            ["version"] = 1,
            ["tls"] = new JsonObject
            {
                ["cert"] = certificates.Client.CertificatePath,
                ["key"] = certificates.Client.KeyPath,
                ["ca"] = certificates.Client.AuthorityPath,
            },
            ["agents"] = new JsonArray(agents.Select((a, i) => (JsonNode)new JsonObject
            {
                ["name"] = a.Name,
                ["address"] = a.Url,
                ["environment"] = a.Environment,
                ["labels"] = new JsonObject { ["zone"] = i % 2 == 0 ? "a" : "b" },
            }).ToArray()),
            ["programs"] = new JsonArray(
                new JsonObject { ["name"] = "api", ["match"] = new JsonObject { ["executable_name"] = "^parked$", ["command_line"] = "-threads 2( |$)" } },
                new JsonObject { ["name"] = "worker", ["match"] = new JsonObject { ["env:ROLE"] = "^worker$", ["environment"] = "^prod$" } }),
        };
        File.WriteAllText(path, "// a test fleet: agents on loopback addresses\n" + file.ToJsonString(new() { WriteIndented = true }));
        return path;
    }

}
