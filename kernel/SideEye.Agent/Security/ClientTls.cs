using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using SideEye.Agent.Audit;
using SideEye.Remote.Certificates;

namespace SideEye.Agent.Security;

/// <summary>
/// TLS on the agent's TCP listeners: TLS 1.3 only, the agent's certificate, and a client certificate required and
/// checked against the fleet CA alone (<see cref="CertificateCheck.ClientRefusal"/>) during the handshake, so an
/// unauthenticated peer never gets as far as HTTP. Every refused handshake is audited with the reason, including
/// one that ended before the client presented any certificate.
/// </summary>
public sealed class ClientTls(X509Certificate2 agentCertificate, X509Certificate2 authority, AuditLog audit)
{
    const string Verdict = "sideeye.tls-verdict";
    readonly SslStreamCertificateContext _certificate = SslStreamCertificateContext.Create(agentCertificate, additionalCertificates: null, offline: true);

    public TlsHandshakeCallbackOptions Handshake() => new()
    {
        HandshakeTimeout = TimeSpan.FromSeconds(10),
        OnConnection = context => ValueTask.FromResult(OptionsFor(context.Connection)),
    };

    /// <summary>A connection middleware placed ahead of TLS: audits handshakes that failed before the certificate check.</summary>
    public ConnectionDelegate AuditFailedHandshakes(ConnectionDelegate next) => async connection =>
    {
        await next(connection);
        if (!connection.Items.ContainsKey(Verdict))
            audit.Write(new AuditEntry("tls", "refused")
            {
                From = connection.RemoteEndPoint?.ToString(),
                Reason = "the TLS handshake ended before a client certificate was checked (a client without TLS 1.3, or one that does not trust this agent's certificate)",
            });
    };

    SslServerAuthenticationOptions OptionsFor(ConnectionContext connection) => new()
    {
        ServerCertificateContext = _certificate,
        ClientCertificateRequired = true,
        EnabledSslProtocols = SslProtocols.Tls13,
        CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
        ApplicationProtocols = [SslApplicationProtocol.Http2],
        RemoteCertificateValidationCallback = (_, presented, chain, _) =>
        {
            var certificate = presented as X509Certificate2 ?? (presented is null ? null : X509CertificateLoader.LoadCertificate(presented.GetRawCertData()));
            var refusal = CertificateCheck.ClientRefusal(certificate, authority, chain);
            connection.Items[Verdict] = refusal ?? "ok";
            if (refusal is not null)
                audit.Write(new AuditEntry("tls", "refused")
                {
                    Caller = certificate?.Subject,
                    Thumbprint = certificate is null ? null : CertificateCheck.Thumbprint(certificate),
                    From = connection.RemoteEndPoint?.ToString(),
                    Reason = refusal,
                });
            return refusal is null;
        },
    };
}
