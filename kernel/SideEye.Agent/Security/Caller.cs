using Microsoft.AspNetCore.Http;
using SideEye.Remote.Certificates;

namespace SideEye.Agent.Security;

/// <summary>
/// Who made a request, as the agent authenticated them: a client certificate of the fleet (subject and SHA-256
/// thumbprint) or a Unix socket peer (uid, pid). <see cref="Key"/> is what the agent keeps probes loaded per: the
/// same client certificate or the same uid gets the same probes back, whichever connection it comes on.
/// </summary>
public sealed record Caller(string Name, string Key, string? Thumbprint, string? Endpoint)
{
    public static Caller Of(HttpContext http)
    {
        var endpoint = http.Connection.RemoteIpAddress is { } ip ? $"{ip}:{http.Connection.RemotePort}" : null;
        if (http.Connection.ClientCertificate is { } certificate)
        {
            var thumbprint = CertificateCheck.Thumbprint(certificate);
            return new Caller(certificate.Subject, "cert:" + thumbprint, thumbprint, endpoint);
        }
        if (http.Features.Get<UnixPeer>() is { } peer) return new Caller(peer.ToString(), $"uid:{peer.Uid}", null, null);
        // Authorization runs before any service code, so an unauthenticated request never gets here.
        throw new InvalidOperationException("a request reached the agent's service without an authenticated caller");
    }
}
