using System.Net;
using SideEye.Remote.Certificates;
using SideEye.Snapshots.Store;
using SideEye.Testing;
using SideEye.Testing.Agents;
using Xunit.Abstractions;

namespace SideEye.Agent.Tests;

/// <summary>
/// A fleet snapshot in which four agents fail in four ways (killed, stopped, refusing the client's certificate,
/// nothing listening at its address) beside two that work: the snapshot is stored with the working hosts' processes
/// and one error row for each failed agent, the command names each and exits non-zero, and no target anywhere is
/// left stopped.
/// </summary>
[Collection(PrivilegedAgentCollection.Name)]
[Trait("Category", "Privileged")]
public sealed class FleetFaultTests(ITestOutputHelper output)
{
    /// <summary>Agent certificates from the fleet's CA, but client certificates checked against another CA: the agent refuses the fleet's clients.</summary>
    sealed class RefusingClients(TestFleet fleet, string otherAuthority) : IAgentCertificates
    {
        public string AuthorityPath => otherAuthority;
        public (string Certificate, string Key) Agent(string name, IPAddress address) => fleet.Agent(name, address);
    }

    [Fact]
    public void Failed_agents_are_error_rows_and_the_rest_of_the_snapshot_is_stored()
    {
        Requires.Root();
        using var certificates = new TestFleet();
        var other = Directory.CreateTempSubdirectory("sideeye-other-ca-").FullName;
        var programs = new List<ParkedProgram>();
        var agents = new List<AgentProcess>();
        try
        {
            using var otherAuthority = FleetAuthority.CreateAuthority("another team's CA", 2);
            var otherPath = FleetAuthority.Write(otherAuthority, other, "ca").Certificate;
            AgentProcess Start(IAgentCertificates with) { var a = AgentProcess.StartTls(with); agents.Add(a); return a; }
            var good = new[] { Start(certificates), Start(certificates) };
            var killed = Start(certificates);
            var stopped = Start(certificates);
            var refusing = Start(new RefusingClients(certificates, otherPath));
            var nowhere = Loopback.FreeEndPoint();
            foreach (var agent in agents)
            {
                var parked = new ParkedProgram(GoToolchains.Newest, ns: agent.Namespace, spinners: 0);
                programs.Add(parked);
            }
            killed.Signal(9); // SIGKILL
            stopped.Signal(19); // SIGSTOP

            var file = TestFleetFile.Write(Path.Combine(certificates.Folder, "fleet.json"), certificates, new[]
            {
                ("good-0", good[0].Url), ("good-1", good[1].Url), ("killed", killed.Url), ("stopped", stopped.Url),
                ("refusing", refusing.Url), ("nowhere", $"https://{nowhere.Address}:{nowhere.Port}"),
            }.Select(a => (a.Item1, a.Item2, "prod")));
            var store = Path.Combine(certificates.Folder, "faults.duckdb");
            var (code, stdout, stderr) = SideEyeRun.Run(["snapshot", "--fleet", file, "--timeout", "10", "--out", store],
                environment: certificates.ClientEnvironment(Path.Combine(certificates.Folder, "cache")));
            output.WriteLine(stdout);
            output.WriteLine(stderr);
            Assert.Equal(1, code);
            foreach (var name in new[] { "killed", "stopped", "refusing", "nowhere" })
                Assert.Single(stderr.Split('\n'), l => l.StartsWith($"sideeye: {name}: ", StringComparison.Ordinal));

            using var opened = SnapshotStore.OpenReadOnly(store);
            var rows = opened.Query("SELECT host, pid, error FROM processes ORDER BY host").Rows.Select(r => ((string)r[0]!, (int)r[1]!, (string?)r[2])).ToArray();
            Assert.Equal(["good-0", "good-1", "killed", "nowhere", "refusing", "stopped"], rows.Select(r => r.Item1));
            Assert.All(rows.Where(r => r.Item1.StartsWith("good", StringComparison.Ordinal)), r => Assert.Null(r.Item3));
            Assert.All(rows.Where(r => !r.Item1.StartsWith("good", StringComparison.Ordinal)), r => Assert.Equal(0, r.Item2));
            Assert.All(rows.Where(r => !r.Item1.StartsWith("good", StringComparison.Ordinal)), r => Assert.False(string.IsNullOrEmpty(r.Item3)));
            Assert.Contains("refused our certificate", rows.Single(r => r.Item1 == "refusing").Item3);
            Assert.Contains("did not answer within 10 s", rows.Single(r => r.Item1 == "stopped").Item3);
            Assert.Contains("cannot be reached", rows.Single(r => r.Item1 == "nowhere").Item3);
            Assert.True((long)opened.Query("SELECT count(*) FROM goroutines WHERE host LIKE 'good-%'").Rows[0][0]! >= 30);

            // Nothing anywhere is left stopped, the stopped agent's target included.
            stopped.Signal(18); // SIGCONT
            Assert.All(programs, p => Assert.Empty(Procfs.StoppedThreads(p.HostPid)));
        }
        finally
        {
            foreach (var p in programs) p.Dispose();
            foreach (var a in agents) a.Dispose();
            Directory.Delete(other, true);
        }
    }
}
