using SideEye.Agent.Hosting;
using SideEye.Loader.Privileges;
using SideEye.Testing;
using SideEye.Testing.Agents;

namespace SideEye.Agent.Tests;

/// <summary>
/// An agent that cannot run safely does not run: one line naming what and why, exit code 1, nothing listening. No
/// TLS on TCP (on loopback, or on an address of a network namespace the test made), mismatched certificate
/// options, a client certificate offered as the agent's, an audit log it cannot write, a privilege it lacks.
/// </summary>
[Collection(PrivilegedAgentCollection.Name)]
[Trait("Category", "Privileged")]
public sealed class StartupRefusalTests
{
    [Fact]
    public void Tcp_without_certificates_is_refused_on_loopback()
    {
        Requires.Root();
        var endpoint = Loopback.FreeEndPoint();
        var line = Refused(["agent", "--listen", $"https://{endpoint.Address}:{endpoint.Port}"]);
        Assert.Equal($"sideeye: --listen https://{endpoint.Address}:{endpoint.Port}: the agent listens on TCP only with TLS and client certificates: give --cert, --key and --client-ca", line);
    }

    [Fact]
    public void Tcp_without_certificates_is_refused_on_a_routable_address()
    {
        Requires.Root();
        using var network = new NetworkPair();
        var line = Refused(["agent", "--listen", $"https://{network.AgentAddress}:7443"], network.InAgent);
        Assert.Contains("the agent listens on TCP only with TLS and client certificates", line);
    }

    [Fact]
    public void Half_the_certificate_options_or_a_client_certificate_as_the_agents_is_refused()
    {
        Requires.Root();
        using var fleet = new TestFleet();
        var endpoint = Loopback.FreeEndPoint();
        var listen = $"https://{endpoint.Address}:{endpoint.Port}";
        Assert.Contains("--cert, --key and --client-ca go together",
            Refused(["agent", "--listen", listen, "--cert", fleet.Client.CertificatePath, "--key", fleet.Client.KeyPath]));
        Assert.Contains("is not an agent certificate (no server-authentication usage)",
            Refused(["agent", "--listen", listen, "--cert", fleet.Client.CertificatePath, "--key", fleet.Client.KeyPath, "--client-ca", fleet.AuthorityPath]));
        Assert.Contains("/nonexistent.pem: no such file",
            Refused(["agent", "--listen", listen, "--cert", "/nonexistent.pem", "--key", fleet.Client.KeyPath, "--client-ca", fleet.AuthorityPath]));
        Assert.Contains("--listen http://127.0.0.1:1: say https://IP:PORT or unix:PATH", Refused(["agent", "--listen", "http://127.0.0.1:1"]));
        // An audit log it cannot keep is no agent to run.
        Assert.StartsWith("sideeye: --audit /proc/self/no-such-folder/audit.log: cannot append to it: ",
            Refused(["agent", "--listen", listen, "--cert", fleet.Agent("audited", endpoint.Address).Certificate, "--key", Path.Combine(fleet.Folder, "audited.key"),
                "--client-ca", fleet.AuthorityPath, "--audit", "/proc/self/no-such-folder/audit.log"]));
    }

    [Fact]
    public void An_agent_without_a_capability_it_needs_does_not_start()
    {
        Requires.Root();
        var socket = Path.Combine(Directory.CreateTempSubdirectory("sideeye-nocap-").FullName, "agent.sock");
        try
        {
            var line = Refused(["agent", "--listen", "unix:" + socket], ["setpriv", "--bounding-set", "-kill", "--"]);
            Assert.Equal("sideeye: the agent cannot take snapshots here: the agent lacks CAP_KILL (to send the trigger signal (SIGURG) to other users' processes): run it as root or grant them", line);
            Assert.False(File.Exists(socket), "the refused agent made its socket");
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(socket)!, true);
        }
    }

    [Fact]
    public void Yama_forbidding_every_attach_is_a_reason_not_to_start()
    {
        var facts = HostFacts.Read() with { PtraceScope = 3 };
        Assert.Contains("kernel.yama.ptrace_scope is 3: no process may be traced until the next boot, so no target can be paused", facts.Problems());
        var unprivileged = facts with { Own = facts.Own with { Effective = CapabilitySet.Of(Capability.SysAdmin) } };
        Assert.Contains(unprivileged.Problems(), p => p.StartsWith("the agent lacks CAP_SYS_PTRACE", StringComparison.Ordinal));
    }

    /// <summary>Runs sideeye expecting a refusal: exit 1, nothing on stdout, one line on stderr, which it returns.</summary>
    static string Refused(string[] args, IReadOnlyList<string>? prefix = null)
    {
        var (code, stdout, stderr) = SideEyeRun.Run(args, prefix, timeout: TimeSpan.FromSeconds(60));
        Assert.True(code == 1, $"exit {code}: {stdout} {stderr}");
        Assert.DoesNotContain("listening", stdout);
        return Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }
}
