using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Certificate;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SideEye.Agent.Audit;
using SideEye.Agent.Probes;
using SideEye.Agent.Security;
using SideEye.Agent.Services;
using SideEye.GoRuntime.Processes;
using SideEye.Remote.Certificates;

namespace SideEye.Agent.Hosting;

/// <summary>
/// Starts an agent: checks its options, certificates, privileges and kernel first (any problem is one
/// <see cref="AgentStartupException"/> line and nothing listens), then serves <see cref="AgentService"/> on Kestrel
/// over HTTP/2: TLS 1.3 with fleet client certificates on TCP (checked in the handshake by <see cref="ClientTls"/>,
/// then again by the certificate authentication handler with the fleet CA as its only root), peer credentials on
/// Unix sockets. Under systemd (Type=notify) it reports ready once it listens and logs to the journal.
/// </summary>
public static class AgentHost
{
    /// <summary>The line printed once every listener is up, so scripts and tests know when to connect.</summary>
    public const string ReadyLine = "sideeye agent: listening on";

    public static WebApplication Build(AgentOptions options)
    {
        UnixFiles.SetUmask(0b000_111_111); // umask 077: every file and socket the agent makes is its own unless said otherwise
        var (agentCertificate, authority) = Certificates(options);
        var facts = HostFacts.Read();
        if (facts.Problems().FirstOrDefault() is { } problem) throw new AgentStartupException($"the agent cannot take snapshots here: {problem}");
        var policy = new ExecutablePolicy(options.Allow);
        uint? groupId = options.SocketGroup is null ? null : GroupId(options.SocketGroup);

        var builder = WebApplication.CreateSlimBuilder();
        builder.Host.UseSystemd();
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ "; o.UseUtcTimestamp = true; });
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning).AddFilter("Grpc", LogLevel.Warning);

        builder.Services.AddSingleton(sp => new AuditLog(sp.GetRequiredService<ILogger<AuditLog>>(), options.AuditPath));
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(policy);
        builder.Services.AddSingleton(new JobInspector(options.MaxPause, options.MaxMapBytes));
        builder.Services.AddSingleton(sp => new LoadedProbes(options.ProbeIdle, sp.GetRequiredService<ILogger<LoadedProbes>>()));
        builder.Services.AddSingleton<GoProcessScanner>();
        builder.Services.AddSingleton<ExecutableServer>();
        builder.Services.AddSingleton<JobPreparer>();
        builder.Services.AddHostedService(sp => new ProbeSweeper(sp.GetRequiredService<LoadedProbes>(), options.ProbeIdle));
        builder.Services.AddGrpc(o =>
        {
            o.MaxReceiveMessageSize = 64 << 20;
            o.MaxSendMessageSize = 64 << 20;
        });
        // Authentication brings data protection, which would write keys to disk; the agent issues no cookies or tokens.
        builder.Services.AddDataProtection().UseEphemeralDataProtectionProvider();
        Authentication(builder.Services, authority);

        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            var audit = kestrel.ApplicationServices.GetRequiredService<AuditLog>();
            var tls = agentCertificate is null ? null : new ClientTls(agentCertificate, authority!, audit);
            kestrel.AddServerHeader = false;
            // A client that vanished (a cut link, a killed process) is noticed, and its calls cancelled, within seconds.
            kestrel.Limits.Http2.KeepAlivePingDelay = TimeSpan.FromSeconds(10);
            kestrel.Limits.Http2.KeepAlivePingTimeout = TimeSpan.FromSeconds(10);
            // A snapshot's records go out in megabyte messages: let a whole one be handed to the connection at once.
            kestrel.Limits.MaxResponseBufferSize = 16 << 20;
            foreach (var listen in options.Listeners)
            {
                if (listen.IsUnix)
                {
                    PrepareSocketPath(listen.UnixPath!, groupId);
                    kestrel.ListenUnixSocket(listen.UnixPath!, l =>
                    {
                        l.Protocols = HttpProtocols.Http2;
                        l.Use(next => UnixPeerGate(next, groupId, audit));
                    });
                }
                else
                {
                    kestrel.Listen(listen.Tcp!, l =>
                    {
                        l.Protocols = HttpProtocols.Http2;
                        l.Use(tls!.AuditFailedHandshakes);
                        l.UseHttps(tls.Handshake());
                    });
                }
            }
        });

        var app = builder.Build();
        // Opened now, so an audit file the agent cannot append to stops it before it listens.
        var auditLog = app.Services.GetRequiredService<AuditLog>();
        // A pause whose tracer thread is stuck holds the target until this process ends: a paused production
        // service matters more than the agent's uptime, so the agent ends (systemd starts it again).
        Loader.Pause.ProcessPause.Wedged += (_, wedged) =>
        {
            auditLog.Write(new AuditEntry("pause", "wedged") { Pid = wedged.Pid, Reason = $"{wedged.Reason}; the agent exits so the kernel releases the target" });
            Environment.FailFast($"sideeye agent: {wedged.Reason}; exiting so the kernel releases process {wedged.Pid}");
        };
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapGrpcService<AgentService>().RequireAuthorization();
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            foreach (var listen in options.Listeners.Where(l => l.IsUnix)) SecureSocket(listen.UnixPath!, groupId);
        });
        return app;
    }

    /// <summary>Runs the agent until SIGTERM or Ctrl-C; prints <see cref="ReadyLine"/> when it listens.</summary>
    public static async Task RunAsync(AgentOptions options, TextWriter ready, CancellationToken cancellation = default)
    {
        await using var app = Build(options);
        try { await app.StartAsync(cancellation); }
        catch (IOException e) { throw new AgentStartupException($"cannot listen on {string.Join(", ", options.Listeners)}: {e.Message}", e); }
        await ready.WriteLineAsync($"{ReadyLine} {string.Join(", ", options.Listeners)}");
        await ready.FlushAsync(cancellation);
        await app.WaitForShutdownAsync(cancellation);
    }

    static (X509Certificate2? Agent, X509Certificate2? Authority) Certificates(AgentOptions options)
    {
        var given = new[] { options.CertificatePath, options.KeyPath, options.ClientCaPath };
        if (given.All(g => g is null))
        {
            if (options.Listeners.FirstOrDefault(l => !l.IsUnix) is { } tcp)
                throw new AgentStartupException($"--listen {tcp}: the agent listens on TCP only with TLS and client certificates: give --cert, --key and --client-ca");
            return (null, null);
        }
        if (given.Any(g => g is null))
            throw new AgentStartupException("--cert, --key and --client-ca go together: the agent's certificate, its key and the fleet CA that signs client certificates");
        if (!options.HasTcp) throw new AgentStartupException("--cert, --key and --client-ca are for TCP listeners (--listen https://IP:PORT); a Unix socket checks peer credentials instead");
        var agent = FleetAuthority.Load(options.CertificatePath!, options.KeyPath);
        var authority = FleetAuthority.Load(options.ClientCaPath!);
        var usages = agent.Extensions.OfType<X509EnhancedKeyUsageExtension>().SelectMany(e => e.EnhancedKeyUsages.Cast<System.Security.Cryptography.Oid>()).Select(o => o.Value);
        if (!usages.Contains(FleetAuthority.ServerAuthOid))
            throw new AgentStartupException($"--cert {options.CertificatePath}: {agent.Subject} is not an agent certificate (no server-authentication usage); issue one with sideeye certs issue --role agent");
        if (DateTime.Now > agent.NotAfter) throw new AgentStartupException($"--cert {options.CertificatePath}: {agent.Subject} expired on {agent.NotAfter.ToUniversalTime():u}");
        return (agent, authority);
    }

    static void Authentication(IServiceCollection services, X509Certificate2? authority)
    {
        const string policyScheme = "Agent";
        var authentication = services.AddAuthentication(policyScheme)
            .AddPolicyScheme(policyScheme, "TLS client certificate or Unix peer", o =>
                o.ForwardDefaultSelector = http => http.Features.Get<UnixPeer>() is not null ? UnixPeerAuthentication.SchemeName : CertificateAuthenticationDefaults.AuthenticationScheme)
            .AddScheme<AuthenticationSchemeOptions, UnixPeerAuthentication>(UnixPeerAuthentication.SchemeName, null);
        authentication.AddCertificate(o =>
        {
            // The handshake already required and checked the certificate; this is the same judgement again, with the
            // fleet CA as the only root, for every request.
            o.AllowedCertificateTypes = CertificateTypes.Chained;
            o.ChainTrustValidationMode = X509ChainTrustMode.CustomRootTrust;
            if (authority is not null) o.CustomTrustStore = [authority];
            o.RevocationMode = X509RevocationMode.NoCheck;
            o.ValidateCertificateUse = true;
            o.ValidateValidityPeriod = true;
            o.Events = new CertificateAuthenticationEvents
            {
                OnAuthenticationFailed = context =>
                {
                    context.HttpContext.RequestServices.GetRequiredService<AuditLog>().Write(new AuditEntry("authenticate", "refused")
                    {
                        Caller = context.HttpContext.Connection.ClientCertificate?.Subject,
                        From = $"{context.HttpContext.Connection.RemoteIpAddress}:{context.HttpContext.Connection.RemotePort}",
                        Reason = context.Exception.Message,
                    });
                    return Task.CompletedTask;
                },
            };
        });
        services.AddAuthorization();
    }

    /// <summary>Admits a Unix socket peer only if it is root or in the socket's group (SO_PEERCRED); refusals are audited and the connection closed.</summary>
    static ConnectionDelegate UnixPeerGate(ConnectionDelegate next, uint? groupId, AuditLog audit) => async connection =>
    {
        var socket = connection.Features.Get<IConnectionSocketFeature>()?.Socket;
        UnixPeer? peer = null;
        string? refusal;
        try
        {
            peer = socket is null ? null : UnixPeer.Read(socket);
            refusal = peer is null ? "the connection's socket is not available to check its peer" : peer.Refusal(groupId);
        }
        catch (Exception e) when (e is SideEyeException or System.Net.Sockets.SocketException) { refusal = $"its peer credentials cannot be read: {e.Message}"; }
        if (refusal is not null)
        {
            audit.Write(new AuditEntry("connect", "refused") { Caller = peer?.ToString(), Reason = refusal });
            connection.Abort(new ConnectionAbortedException(refusal));
            return;
        }
        connection.Features.Set(peer!);
        await next(connection);
    };

    static void PrepareSocketPath(string path, uint? groupId)
    {
        var folder = Path.GetDirectoryName(path)!;
        var mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | (groupId is null ? 0 : UnixFileMode.GroupRead | UnixFileMode.GroupExecute);
        if (!Directory.Exists(folder)) Directory.CreateDirectory(folder, mode);
        // The group must reach the socket: a folder of the socket's own (systemd's RuntimeDirectory, say: nothing else in
        // it) becomes the group's too. A shared folder is never given away; it must let the group through already.
        if (groupId is { } gid)
        {
            var others = Directory.EnumerateFileSystemEntries(folder).Where(e => e != path).Take(1).Any();
            var current = new DirectoryInfo(folder).UnixFileMode;
            if (!others && (current & UnixFileMode.OtherWrite) == 0)
            {
                Chown(folder, gid);
                File.SetUnixFileMode(folder, current | UnixFileMode.GroupRead | UnixFileMode.GroupExecute);
            }
        }
        if (!File.Exists(path)) return;
        // A socket left by an agent that died refuses connections: Kestrel will not bind over it, so it goes. One
        // that answers belongs to a running agent, and anything else at the path is not ours to remove.
        using var probe = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified);
        try
        {
            probe.Connect(new System.Net.Sockets.UnixDomainSocketEndPoint(path));
        }
        catch (System.Net.Sockets.SocketException e) when (e.SocketErrorCode == System.Net.Sockets.SocketError.ConnectionRefused)
        {
            File.Delete(path);
            return;
        }
        catch (System.Net.Sockets.SocketException e)
        {
            throw new AgentStartupException($"--listen unix:{path}: something that is not a socket is there ({e.Message})");
        }
        throw new AgentStartupException($"--listen unix:{path}: another agent already listens there");
    }

    static void SecureSocket(string path, uint? groupId)
    {
        var mode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        if (groupId is { } gid)
        {
            Chown(path, gid);
            mode |= UnixFileMode.GroupRead | UnixFileMode.GroupWrite;
        }
        File.SetUnixFileMode(path, mode);
    }

    static uint GroupId(string name) => UnixFiles.GroupId(name) ?? throw new AgentStartupException($"--group {name}: no such group in /etc/group");

    static void Chown(string path, uint gid)
    {
        if (UnixFiles.ChangeGroup(path, gid) is var errno and not 0)
            throw new AgentStartupException($"cannot give {path} to group {gid}: errno {errno} (the agent needs CAP_CHOWN for --group)");
    }


}
