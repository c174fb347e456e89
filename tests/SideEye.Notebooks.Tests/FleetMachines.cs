using System.Text.Json.Nodes;
using SideEye.Testing;
using SideEye.Testing.Agents;

namespace SideEye.Notebooks.Tests;

/// <summary>
/// The fleet notebooks/fleet.ipynb works on: three machines, each a TLS agent in a PID namespace of its own on a
/// loopback address of its own (certificates made with <c>sideeye certs</c>). node-0 and node-1 (prod) run the demo,
/// the program the rules call api; node-2 (staging) runs testdata/parked with ROLE=batch, which the rules call batch.
/// <see cref="WriteFleetFile"/> puts the fleet file where the notebook looks for it, as a team keeps it beside its runbook.
/// </summary>
sealed class FleetMachines : IDisposable
{
    public CliFleet Certificates { get; } = new();
    public IReadOnlyList<AgentProcess> Agents { get; }
    public IReadOnlyList<DemoService> Demos { get; }
    public ParkedProgram? Batch { get; }

    public FleetMachines(string folder)
    {
        Agents = Task.WhenAll(Enumerable.Range(0, 3).Select(_ => Task.Run(() => AgentProcess.StartTls(Certificates)))).GetAwaiter().GetResult();
        var demos = new List<DemoService>();
        Demos = demos;
        try
        {
            demos.Add(new DemoService(folder, Agents[0].Namespace));
            demos.Add(new DemoService(folder, Agents[1].Namespace));
            Batch = new ParkedProgram(GoToolchains.Newest, spinners: 0, environment: new Dictionary<string, string> { ["ROLE"] = "batch" }, ns: Agents[2].Namespace);
        }
        catch
        {
            // Nothing a half-made fleet started may outlive the test.
            Dispose();
            throw;
        }
    }

    public static string Name(int index) => $"node-{index}";

    public void WriteFleetFile(string folder)
    {
        string[] environments = ["prod", "prod", "staging"];
        var file = new JsonObject
        {
            ["version"] = 1,
            ["tls"] = new JsonObject { ["cert"] = Certificates.ClientCertificate, ["key"] = Certificates.ClientKey, ["ca"] = Certificates.AuthorityPath },
            ["agents"] = new JsonArray(Agents.Select((a, i) => (JsonNode)new JsonObject
            {
                ["name"] = Name(i),
                ["address"] = a.Url,
                ["environment"] = environments[i],
                ["labels"] = new JsonObject { ["rack"] = $"r{i + 1}" },
            }).ToArray()),
            ["programs"] = new JsonArray(
                new JsonObject { ["name"] = "api", ["match"] = new JsonObject { ["executable_name"] = "^demo$" } },
                new JsonObject { ["name"] = "batch", ["match"] = new JsonObject { ["env:ROLE"] = "^batch$" } }),
        };
        File.WriteAllText(Path.Combine(folder, "fleet.json"), "// the notebook's test fleet: three agents on loopback addresses\n" + file.ToJsonString(new() { WriteIndented = true }));
    }

    public void Dispose()
    {
        Batch?.Dispose();
        foreach (var d in Demos) d.Dispose();
        foreach (var a in Agents) a.Dispose();
        Certificates.Dispose();
    }
}
