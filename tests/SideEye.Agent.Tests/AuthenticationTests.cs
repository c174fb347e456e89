using Grpc.Core;
using SideEye.Remote.Connection;
using SideEye.Testing;
using SideEye.Testing.Agents;
using M = SideEye.Loader.Contract.Messages;

namespace SideEye.Agent.Tests;

/// <summary>
/// Only a client certificate of the fleet gets anything from an agent: none, one from another CA, an expired one
/// and an agent's certificate offered as a client's are all refused in the TLS handshake, and each refusal is in
/// the audit log with its reason. The client's own checks refuse the same certificates before connecting, with one
/// line; a client refuses an agent whose certificate is not the fleet's or does not name the address it dialled.
/// </summary>
[Collection(PrivilegedAgentCollection.Name)]
[Trait("Category", "Privileged")]
public sealed class AuthenticationTests(AgentFixture fixture) : IClassFixture<AgentFixture>
{
    [Fact]
    public void The_fleets_client_certificate_is_accepted_and_named_in_the_audit_log()
    {
        using var client = new RawClient(fixture.Agent, RawClient.Load(fixture.Fleet.Client), fixture.Fleet.AuthorityPath);
        var info = client.Client.Info(new M.InfoRequest(), deadline: DateTime.UtcNow.AddSeconds(30));
        Assert.Equal("CN=alice", info.Caller);
        Assert.True(info.Privileges.Root);
        Assert.All(info.Features, f => Assert.True(f.Present, f.Problem));
        Assert.NotNull(fixture.Agent.WaitForAudit(l => (string?)l["call"] == "Info" && (string?)l["caller"] == "CN=alice" && (string?)l["outcome"] == "ok"));
    }

    public static TheoryData<string> Refused => ["none", "another CA", "expired", "agent certificate"];

    [Theory]
    [MemberData(nameof(Refused))]
    public void A_client_without_a_certificate_of_the_fleet_is_refused_and_audited(string kind)
    {
        var name = $"refused-{Guid.NewGuid():N}"[..20];
        var (credentials, reason) = kind switch
        {
            "none" => ((AgentCredentials?)null, "no client certificate"),
            "another CA" => (fixture.Fleet.FromAnotherAuthority(name), "was not issued by the fleet CA"),
            "expired" => (fixture.Fleet.IssueClient(name, notBefore: DateTimeOffset.UtcNow.AddDays(-3), days: 1), "expired"),
            _ => (fixture.Fleet.ServerCertificateAsClient(name), "is not a client certificate"),
        };
        using var client = new RawClient(fixture.Agent, credentials is null ? null : RawClient.Load(credentials), fixture.Fleet.AuthorityPath);
        var e = Assert.Throws<RpcException>(() => client.Client.ListProcesses(new M.ListProcessesRequest(), deadline: DateTime.UtcNow.AddSeconds(30)));
        Assert.Equal(StatusCode.Unavailable, e.StatusCode);
        var audited = fixture.Agent.WaitForAudit(l => (string?)l["call"] == "tls" && (string?)l["outcome"] == "refused" && ((string?)l["reason"])!.Contains(reason, StringComparison.Ordinal)
            && (credentials is null || ((string?)l["caller"])!.Contains(name, StringComparison.Ordinal)));
        Assert.True(audited is not null, $"no audit line refusing {kind}: {string.Join("\n", fixture.Agent.AuditLines().Select(l => l.ToJsonString()))}");
        // Nothing of the refused client got as far as a call.
        Assert.DoesNotContain(fixture.Agent.AuditLines(), l => (string?)l["call"] == "ListProcesses" && ((string?)l["caller"] ?? "").Contains(name, StringComparison.Ordinal));

        // The client's own check says the same before it connects, in one line.
        if (credentials is not null)
        {
            var refused = Assert.Throws<SideEyeException>(() => AgentConnection.Open(fixture.Agent.Address, credentials));
            Assert.Contains(reason, refused.Message);
        }
    }

    [Fact]
    public void The_CLI_refuses_bad_client_certificates_in_one_line_before_connecting()
    {
        var expired = fixture.Fleet.IssueClient("cli-expired", notBefore: DateTimeOffset.UtcNow.AddDays(-3), days: 1);
        var (code, stdout, stderr) = SideEyeRun.Run(["targets", "--agent", fixture.Agent.Address.ToString(), "--cert", expired.CertificatePath, "--key", expired.KeyPath, "--ca", expired.AuthorityPath]);
        Assert.Equal(1, code);
        Assert.Equal("", stdout);
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("sideeye: ", line);
        Assert.Contains("expired", line);
    }

    [Fact]
    public void A_client_refuses_an_agent_whose_certificate_another_CA_issued()
    {
        using var otherFleet = new TestFleet();
        using var impostor = AgentProcess.StartTls(otherFleet);
        // Our fleet's client, dialling the impostor: its certificate does not chain to our CA.
        using var connection = AgentConnection.Open(impostor.Address, fixture.Fleet.Client, TimeSpan.FromSeconds(20));
        var e = Assert.Throws<RpcException>(() => connection.Client.Info(new M.InfoRequest(), connection.Call()));
        var described = connection.Describe(e);
        Assert.True(described.Message.Contains("we refused the agent", StringComparison.Ordinal), described.Message);
        Assert.Contains("was not issued by the fleet CA", described.Message);
        // And the impostor saw a handshake end without any certificate of ours being checked.
        Assert.NotNull(impostor.WaitForAudit(l => (string?)l["call"] == "tls" && (string?)l["outcome"] == "refused"));
    }

    [Fact]
    public void An_unreachable_agent_is_one_line_and_a_non_zero_exit()
    {
        // A loopback address and port where nothing listens.
        var nowhere = Loopback.FreeEndPoint();
        var (code, _, stderr) = SideEyeRun.Run(["targets", "--agent", $"https://{nowhere.Address}:{nowhere.Port}", "--timeout", "10"],
            environment: fixture.Fleet.ClientEnvironment(Path.Combine(fixture.CacheFolder, "unreachable")));
        Assert.Equal(1, code);
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Matches("^sideeye: agent https://[0-9.:]+ cannot be reached: Connection refused", line);
    }
}
