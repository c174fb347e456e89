using System.Net;
using System.Security.Cryptography.X509Certificates;

namespace SideEye.Remote.Certificates;

/// <summary>
/// Whether a certificate presented over TLS belongs to the fleet, checked against the fleet CA alone (not the
/// machine's trust store): it chains to the CA, is valid now, and carries the usage of its role (client or
/// server authentication); a server's must also name the address or host it was reached at. Each check answers
/// null (accepted) or the reason in a few words, for the error line and the agent's audit log.
/// </summary>
public static class CertificateCheck
{
    public static string? ClientRefusal(X509Certificate2? certificate, X509Certificate2 authority, X509Chain? presented = null) =>
        certificate is null ? "no client certificate" : Refusal(certificate, authority, presented, FleetAuthority.ClientAuthOid, "client");

    public static string? ServerRefusal(X509Certificate2? certificate, X509Certificate2 authority, string host, X509Chain? presented = null)
    {
        if (certificate is null) return "the agent presented no certificate";
        if (Refusal(certificate, authority, presented, FleetAuthority.ServerAuthOid, "agent") is { } why) return why;
        return Names(certificate, host) ? null : $"its certificate {certificate.Subject} does not name {host} (its SANs: {string.Join(", ", SubjectAlternativeNames(certificate))})";
    }

    static string? Refusal(X509Certificate2 certificate, X509Certificate2 authority, X509Chain? presented, string usageOid, string role)
    {
        var now = DateTime.Now;
        if (now > certificate.NotAfter) return $"the {role} certificate {certificate.Subject} expired on {certificate.NotAfter.ToUniversalTime():u}";
        if (now < certificate.NotBefore) return $"the {role} certificate {certificate.Subject} is not valid before {certificate.NotBefore.ToUniversalTime():u}";
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(authority);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        if (presented is not null)
            foreach (var element in presented.ChainElements)
                if (!element.Certificate.RawDataMemory.Span.SequenceEqual(certificate.RawDataMemory.Span)) chain.ChainPolicy.ExtraStore.Add(element.Certificate);
        if (!chain.Build(certificate))
        {
            var statuses = chain.ChainStatus.Select(s => s.Status).ToHashSet();
            return statuses.Overlaps([X509ChainStatusFlags.UntrustedRoot, X509ChainStatusFlags.PartialChain])
                ? $"the {role} certificate {certificate.Subject} was not issued by the fleet CA ({authority.Subject})"
                : $"the {role} certificate {certificate.Subject} does not verify against the fleet CA: {string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation.Trim()))}";
        }
        var usages = certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().SelectMany(e => e.EnhancedKeyUsages.Cast<System.Security.Cryptography.Oid>()).Select(o => o.Value).ToArray();
        if (!usages.Contains(usageOid))
            return $"the certificate {certificate.Subject} is not a {role} certificate (its extended key usage lacks {(role == "client" ? "client" : "server")} authentication)";
        return null;
    }

    static bool Names(X509Certificate2 certificate, string host)
    {
        var isAddress = IPAddress.TryParse(host.Trim('[', ']'), out var ip);
        foreach (var san in certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>())
        {
            if (isAddress && san.EnumerateIPAddresses().Any(a => a.Equals(ip))) return true;
            if (!isAddress && san.EnumerateDnsNames().Any(d => DnsMatches(d, host))) return true;
        }
        return false;
    }

    /// <summary>A DNS SAN names the host exactly, or as a wildcard for its leftmost label only (RFC 6125: "*.agents.example" names "a.agents.example").</summary>
    static bool DnsMatches(string san, string host)
    {
        if (string.Equals(san, host, StringComparison.OrdinalIgnoreCase)) return true;
        if (!san.StartsWith("*.", StringComparison.Ordinal)) return false;
        var dot = host.IndexOf('.', StringComparison.Ordinal);
        return dot > 0 && string.Equals(san[1..], host[dot..], StringComparison.OrdinalIgnoreCase);
    }

    static IEnumerable<string> SubjectAlternativeNames(X509Certificate2 certificate) =>
        certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>()
            .SelectMany(san => san.EnumerateDnsNames().Concat(san.EnumerateIPAddresses().Select(a => a.ToString())));

    /// <summary>How a certificate is named in errors and the audit log: its subject and SHA-256 thumbprint.</summary>
    public static string Describe(X509Certificate2 certificate) => $"{certificate.Subject} ({Thumbprint(certificate)})";

    public static string Thumbprint(X509Certificate2 certificate) =>
        Convert.ToHexStringLower(certificate.GetCertHash(System.Security.Cryptography.HashAlgorithmName.SHA256));
}
