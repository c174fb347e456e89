using System.Security.Cryptography.X509Certificates;
using SideEye.Remote.Certificates;

namespace SideEye.Remote.Connection;

/// <summary>
/// A client's TLS identity for agents: its certificate and key and the fleet CA it trusts agents by (PEM files),
/// from options or from SIDEEYE_CERT, SIDEEYE_KEY and SIDEEYE_CA. Only needed for https:// agents.
/// </summary>
public sealed record AgentCredentials(string CertificatePath, string KeyPath, string AuthorityPath)
{
    /// <summary>The credentials from the given paths, each falling back to its environment variable; null when none is set anywhere.</summary>
    public static AgentCredentials? From(string? certificate, string? key, string? authority)
    {
        certificate ??= Environment.GetEnvironmentVariable("SIDEEYE_CERT");
        key ??= Environment.GetEnvironmentVariable("SIDEEYE_KEY");
        authority ??= Environment.GetEnvironmentVariable("SIDEEYE_CA");
        if (certificate is null && key is null && authority is null) return null;
        var missing = new[] { ("--cert", "SIDEEYE_CERT", certificate), ("--key", "SIDEEYE_KEY", key), ("--ca", "SIDEEYE_CA", authority) }
            .Where(t => string.IsNullOrEmpty(t.Item3)).Select(t => $"{t.Item1} (or {t.Item2})").ToArray();
        if (missing.Length > 0) throw new SideEyeException($"a TLS agent needs a client certificate, its key and the fleet CA: {string.Join(", ", missing)} missing");
        return new AgentCredentials(Path.GetFullPath(certificate!), Path.GetFullPath(key!), Path.GetFullPath(authority!));
    }

    public (X509Certificate2 Certificate, X509Certificate2 Authority) Load()
    {
        var certificate = FleetAuthority.Load(CertificatePath, KeyPath);
        var authority = FleetAuthority.Load(AuthorityPath);
        // Refused here rather than by the agent: the agent's refusal reaches us only as a closed connection.
        if (CertificateCheck.ClientRefusal(certificate, authority) is { } why) throw new SideEyeException($"{CertificatePath}: {why}");
        return (certificate, authority);
    }
}
