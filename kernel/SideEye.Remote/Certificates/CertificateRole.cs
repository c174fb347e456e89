namespace SideEye.Remote.Certificates;

/// <summary>What a fleet certificate is for: an agent's (TLS server authentication) or a client's (TLS client authentication).</summary>
public enum CertificateRole
{
    Agent = 0,
    Client = 1,
}
