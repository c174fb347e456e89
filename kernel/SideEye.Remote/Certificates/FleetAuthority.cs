using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace SideEye.Remote.Certificates;

/// <summary>
/// The fleet's own certificate authority, so a small team needs no other tool (<c>sideeye certs</c>): a CA that
/// signs only end certificates (path length 0), agent certificates that carry their addresses as SANs and the
/// server-authentication usage, client certificates with the client-authentication usage. ECDSA P-256 keys,
/// SHA-256 signatures, random serial numbers. Files are PEM; keys are written readable by their owner only.
/// </summary>
public static class FleetAuthority
{
    public const string ServerAuthOid = "1.3.6.1.5.5.7.3.1";
    public const string ClientAuthOid = "1.3.6.1.5.5.7.3.2";

    /// <summary>A new CA, valid from <paramref name="notBefore"/> (default: now) for <paramref name="days"/> days.</summary>
    public static X509Certificate2 CreateAuthority(string name, int days, DateTimeOffset? notBefore = null)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName($"CN={Escape(name)}"), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: true, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, critical: true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        var from = notBefore ?? DateTimeOffset.UtcNow.AddMinutes(-5);
        return request.CreateSelfSigned(from, from.AddDays(days));
    }

    /// <summary>
    /// A certificate for <paramref name="name"/> signed by <paramref name="authority"/> (which must hold its key),
    /// valid from <paramref name="notBefore"/> (default: now) for <paramref name="days"/> days.
    /// </summary>
    public static X509Certificate2 Issue(X509Certificate2 authority, string name, CertificateRole role, IReadOnlyList<IPAddress> addresses,
        IReadOnlyList<string> dnsNames, int days, DateTimeOffset? notBefore = null)
    {
        if (!authority.HasPrivateKey) throw new SideEyeException($"the CA certificate {authority.Subject} comes without its key: issuing needs ca.key");
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName($"CN={Escape(name)}"), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid(role == CertificateRole.Agent ? ServerAuthOid : ClientAuthOid)], critical: false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(authority, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        if (addresses.Count > 0 || dnsNames.Count > 0)
        {
            var names = new SubjectAlternativeNameBuilder();
            foreach (var ip in addresses) names.AddIpAddress(ip);
            foreach (var dns in dnsNames) names.AddDnsName(dns);
            request.CertificateExtensions.Add(names.Build());
        }
        var from = notBefore ?? DateTimeOffset.UtcNow.AddMinutes(-5);
        var until = from.AddDays(days);
        if (until > authority.NotAfter) until = authority.NotAfter;
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7f; // a positive serial number
        using var issued = request.Create(authority, from, until, serial);
        return issued.CopyWithPrivateKey(key);
    }

    /// <summary>Writes <paramref name="certificate"/> to PATH.pem and its key to PATH.key (mode 0600); refuses to overwrite either.</summary>
    public static (string Certificate, string Key) Write(X509Certificate2 certificate, string directory, string name)
    {
        Directory.CreateDirectory(directory);
        var certPath = Path.Combine(directory, name + ".pem");
        var keyPath = Path.Combine(directory, name + ".key");
        foreach (var path in new[] { certPath, keyPath })
            if (File.Exists(path)) throw new SideEyeException($"{path} exists; remove it first (certificates are never overwritten)");
        var key = certificate.GetECDsaPrivateKey() ?? throw new SideEyeException($"{certificate.Subject} has no ECDSA key to write");
        WriteNew(keyPath, key.ExportPkcs8PrivateKeyPem(), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        WriteNew(certPath, certificate.ExportCertificatePem(), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        return (certPath, keyPath);
    }

    /// <summary>Reads a certificate and, when <paramref name="keyPath"/> is given, its key, with one-line errors naming the file.</summary>
    public static X509Certificate2 Load(string certificatePath, string? keyPath = null)
    {
        foreach (var path in new[] { certificatePath, keyPath }.OfType<string>())
            if (!File.Exists(path)) throw new SideEyeException($"{path}: no such file");
        try
        {
            return keyPath is null ? X509Certificate2.CreateFromPem(File.ReadAllText(certificatePath)) : X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException or UnauthorizedAccessException or IOException)
        {
            throw new SideEyeException($"{certificatePath}{(keyPath is null ? "" : $" with {keyPath}")}: not a PEM certificate{(keyPath is null ? "" : " and its key")}: {e.Message}", e);
        }
    }

    static void WriteNew(string path, string text, UnixFileMode mode)
    {
        // Created with its mode, never readable by others in between.
        using var stream = new FileStream(path, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = mode });
        using var writer = new StreamWriter(stream);
        writer.Write(text);
        writer.Write('\n');
    }

    static string Escape(string name) =>
        name.Length == 0 || name.Any(c => c is ',' or '=' or '+' or '"' or '\\' or '<' or '>' or ';' or '\n')
            ? throw new SideEyeException($"certificate name '{name}': use letters, digits, '-', '.' and '_'")
            : name;
}
