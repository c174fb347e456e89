using SideEye.Testing;
using SideEye.Testing.Agents;

namespace SideEye.Agent.Tests;

/// <summary>
/// A fleet of eight machines for a whole test class: eight TLS agents, each in a PID namespace of its own on a
/// loopback address of its own, each running its own mix of testdata/parked processes (the same program on several
/// hosts, so pids collide), and the fleet file that names them, with environments, a static label and program
/// rules on the executable's name, a command-line flag, an environment variable of the process and the agent's
/// environment. <see cref="Expected"/> says which program each process is, worked out here by hand from the layout,
/// not by the code under test.
/// </summary>
public sealed class FleetFixture : IDisposable
{
    /// <summary>One process of the fleet: on which agent, what it is, and the program the rules should make it.</summary>
    public sealed record Member(string Agent, string Environment, ParkedProgram Program, string ExpectedProgram);

    /// <summary>Per host: its environment and its processes (threads, ROLE variable).</summary>
    static readonly (string Environment, (int Threads, string? Role)[] Processes)[] Layout =
    [
        ("prod", [(2, null), (0, "worker")]),
        ("prod", [(2, null)]),
        ("prod", [(0, "worker"), (1, null)]),
        ("prod", [(0, null)]),
        ("prod", [(2, null), (0, "cron")]),
        ("prod", [(0, "worker")]),
        ("staging", [(2, null), (0, "worker")]),
        ("staging", [(0, null)]),
    ];

    readonly List<ParkedProgram> _programs = [];

    public TestFleet Certificates { get; } = new();
    public IReadOnlyList<AgentProcess> Agents { get; }
    public IReadOnlyList<Member> Members { get; }
    public string FleetFile { get; }
    public string CacheFolder { get; } = Directory.CreateTempSubdirectory("sideeye-fleet-cache-").FullName;

    public static string AgentName(int index) => $"node-{index}";

    public FleetFixture()
    {
        Requires.Root();
        try
        {
            // Started together: each agent takes a second or so to come up, mostly the runtime's start.
            Agents = Task.WhenAll(Layout.Select(_ => Task.Run(() => AgentProcess.StartTls(Certificates)))).GetAwaiter().GetResult();
            var members = new List<Member>();
            for (var i = 0; i < Layout.Length; i++)
            {
                var (environment, processes) = Layout[i];
                foreach (var (threads, role) in processes)
                {
                    var program = new ParkedProgram(GoToolchains.Newest, threads: threads, spinners: 0,
                        environment: role is null ? null : new Dictionary<string, string> { ["ROLE"] = role }, ns: Agents[i].Namespace);
                    _programs.Add(program);
                    members.Add(new Member(AgentName(i), environment, program, ExpectedProgramOf(threads, role, environment)));
                }
            }
            Members = members;
            FleetFile = TestFleetFile.Write(Path.Combine(Certificates.Folder, "fleet.json"), Certificates, Agents.Select((a, i) => (AgentName(i), a.Url, Layout[i].Environment)));
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>The rules of <see cref="TestFleetFile"/>, applied by hand: api by flag, worker by variable in prod, else the executable's name.</summary>
    static string ExpectedProgramOf(int threads, string? role, string environment) =>
        threads == 2 ? "api" : role == "worker" && environment == "prod" ? "worker" : "parked";

    /// <summary>A sideeye process's environment as the fleet's client, with an executable cache of its own.</summary>
    public IReadOnlyDictionary<string, string> ClientEnvironment(string cacheName) => Certificates.ClientEnvironment(Path.Combine(CacheFolder, cacheName));

    public void Dispose()
    {
        foreach (var p in _programs) p.Dispose();
        foreach (var a in Agents ?? []) a.Dispose();
        Certificates.Dispose();
        Directory.Delete(CacheFolder, true);
    }
}
