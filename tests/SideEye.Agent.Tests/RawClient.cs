using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Grpc.Net.Client;
using SideEye.Remote.Certificates;
using SideEye.Testing.Agents;
using AgentClient = SideEye.Loader.Contract.Messages.Agent.AgentClient;

namespace SideEye.Agent.Tests;

/// <summary>
/// A gRPC client of the agent that presents whatever certificate a test gives it (or none), without the checks
/// <see cref="Remote.Connection.AgentCredentials"/> makes first: to see what the agent itself refuses.
/// </summary>
sealed class RawClient : IDisposable
{
    readonly GrpcChannel _channel;

    public AgentClient Client { get; }

    public RawClient(AgentProcess agent, X509Certificate2? clientCertificate, string authorityPath)
    {
        var authority = FleetAuthority.Load(authorityPath);
        var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                TargetHost = agent.EndPoint!.Address.ToString(),
                EnabledSslProtocols = SslProtocols.Tls13,
                ClientCertificates = clientCertificate is null ? null : [clientCertificate],
                RemoteCertificateValidationCallback = (_, presented, chain, _) =>
                    CertificateCheck.ServerRefusal(presented as X509Certificate2, authority, agent.EndPoint.Address.ToString(), chain) is null,
            },
        };
        _channel = GrpcChannel.ForAddress($"https://{agent.EndPoint.Address}:{agent.EndPoint.Port}", new GrpcChannelOptions { HttpHandler = handler, DisposeHttpClient = true });
        Client = new AgentClient(_channel);
    }

    public static X509Certificate2 Load(Remote.Connection.AgentCredentials credentials) => FleetAuthority.Load(credentials.CertificatePath, credentials.KeyPath);

    public void Dispose() => _channel.Dispose();
}
