using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Grpc.Net.Client;
using SideEye.Remote.Certificates;
using AgentClient = SideEye.Loader.Contract.Messages.Agent.AgentClient;

namespace SideEye.Remote.Connection;

/// <summary>
/// A client's connection to one agent: a gRPC channel over TLS 1.3 with the fleet's certificates (the agent's
/// checked against the fleet CA alone, and for the name it was reached by, even when dialled at an
/// <see cref="AgentAddress.EndPoint"/> of its own) or over the agent's Unix socket. Every
/// call gets <see cref="Timeout"/> as its deadline; failures become one line naming the agent and what happened
/// (<see cref="Describe"/>). Counts the bytes that cross the wire. Dispose to close it.
/// </summary>
public sealed class AgentConnection : IDisposable
{
    readonly GrpcChannel _channel;
    string? _refusedAgent;
    /// <summary>Whether the agent has answered any call: one that closes a TLS connection before ever answering has most likely refused our certificate.</summary>
    volatile bool _answered;

    public AgentAddress Address { get; }
    public AgentClient Client { get; }
    public WireCounter Wire { get; } = new();
    /// <summary>How long any one call may take before it fails (and the agent resumes and unloads whatever it was doing for it).</summary>
    public TimeSpan Timeout { get; }

    AgentConnection(AgentAddress address, AgentCredentials? credentials, TimeSpan timeout)
    {
        Address = address;
        Timeout = timeout;
        var handler = new SocketsHttpHandler
        {
            // A dead agent or a cut link is noticed between calls too, not only when a deadline passes.
            KeepAlivePingDelay = TimeSpan.FromSeconds(15),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(10),
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
            // The call's deadline bounds connecting too; this only ends a connection attempt no call waits for any more.
            ConnectTimeout = timeout + TimeSpan.FromSeconds(5),
            EnableMultipleHttp2Connections = true,
            // A snapshot streams megabytes at once: HTTP/2's default 64 KiB window would make the agent wait for window
            // updates every few records.
            InitialHttp2StreamWindowSize = 16 << 20,
            ConnectCallback = ConnectAsync,
        };
        if (!address.IsUnix)
        {
            if (credentials is null)
                throw new SideEyeException($"agent {address}: a TLS agent needs a client certificate, its key and the fleet CA (--cert, --key, --ca or SIDEEYE_CERT, SIDEEYE_KEY, SIDEEYE_CA)");
            var (certificate, authority) = credentials.Load();
            handler.SslOptions = new SslClientAuthenticationOptions
            {
                TargetHost = address.Host,
                EnabledSslProtocols = SslProtocols.Tls13,
                ClientCertificates = [certificate],
                CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                RemoteCertificateValidationCallback = (_, presented, chain, _) =>
                {
                    _refusedAgent = CertificateCheck.ServerRefusal(presented as X509Certificate2 ?? (presented is null ? null : X509CertificateLoader.LoadCertificate(presented.GetRawCertData())),
                        authority, address.Host!, chain);
                    return _refusedAgent is null;
                },
            };
        }
        _channel = GrpcChannel.ForAddress(address.IsUnix ? "http://localhost" : address.Url!, new GrpcChannelOptions
        {
            HttpHandler = new AnswerWatch(handler, () => _answered = true),
            DisposeHttpClient = true,
            MaxReceiveMessageSize = 64 << 20,
            MaxSendMessageSize = 64 << 20,
        });
        Client = new AgentClient(_channel);
    }

    /// <summary>Opens a connection (nothing is sent until the first call).</summary>
    public static AgentConnection Open(AgentAddress address, AgentCredentials? credentials, TimeSpan? timeout = null) =>
        new(address, credentials, timeout ?? TimeSpan.FromSeconds(30));

    /// <summary>Options for one call: the connection's deadline, and the caller's cancellation.</summary>
    public CallOptions Call(CancellationToken cancellation = default) => new(deadline: DateTime.UtcNow + Timeout, cancellationToken: cancellation);

    async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellation)
    {
        var socket = Address.IsUnix ? new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified)
            : new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            if (Address.IsUnix) await socket.ConnectAsync(new UnixDomainSocketEndPoint(Address.UnixPath!), cancellation).ConfigureAwait(false);
            // An end point fixed by the caller (one of a DNS name's agents) is dialled as is; TLS still checks the name.
            else await socket.ConnectAsync(Address.EndPoint ?? (EndPoint)context.DnsEndPoint, cancellation).ConfigureAwait(false);
            return new CountingStream(new NetworkStream(socket, ownsSocket: true), Wire);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>A failed call in one line: which agent, and what went wrong as far as the client can tell.</summary>
    public SideEyeException Describe(Exception e)
    {
        var agent = $"agent {Address}";
        if (e is not RpcException rpc) return e as SideEyeException ?? new SideEyeException($"{agent}: {e.Message}", e);
        var inner = Innermost(rpc);
        // A call that never reached the agent ends Unavailable, or Internal when the TLS handshake itself failed.
        var transport = rpc.StatusCode is StatusCode.Unavailable or StatusCode.Internal && inner is not null;
        var why = rpc.StatusCode switch
        {
            StatusCode.DeadlineExceeded => $"did not answer within {Timeout.TotalSeconds:0.#} s",
            StatusCode.Unauthenticated or StatusCode.PermissionDenied => $"refused us: {rpc.Status.Detail}",
            _ when transport && _refusedAgent is not null => $"we refused the agent: {_refusedAgent}",
            _ when transport && inner is SocketException s => $"cannot be reached: {s.Message}",
            // TLS 1.3 checks the client's certificate after the client's side of the handshake is done: a refusal reaches
            // us only as the connection closing before the first answer.
            _ when transport && inner is HttpIOException { HttpRequestError: HttpRequestError.ResponseEnded } && !_answered && !Address.IsUnix =>
                "closed the connection before answering anything: it refused our certificate (its audit log says why), or it exited",
            _ when transport && inner is HttpIOException { HttpRequestError: HttpRequestError.ResponseEnded } =>
                "closed the connection in the middle of the call (did it exit, or was it killed?)",
            _ when transport && inner is AuthenticationException or IOException && !Address.IsUnix =>
                $"the TLS connection failed ({inner!.Message.TrimEnd('.')}); if the agent refused our certificate, its audit log says why",
            StatusCode.Unavailable => $"is unavailable: {inner?.Message ?? rpc.Status.Detail}",
            StatusCode.Cancelled => "the call was cancelled",
            _ => $"{rpc.StatusCode}: {rpc.Status.Detail}",
        };
        return new SideEyeException($"{agent} {why}", e);
    }

    /// <summary>Grpc.Net.Client keeps the transport's exception as the status's debug exception.</summary>
    static Exception? Innermost(RpcException e)
    {
        var inner = e.Status.DebugException ?? e.InnerException;
        while (inner?.InnerException is { } next) inner = next;
        return inner;
    }

    public void Dispose() => _channel.Dispose();

    /// <summary>Notes that a response came back, for <see cref="Describe"/>.</summary>
    sealed class AnswerWatch(HttpMessageHandler inner, Action answered) : DelegatingHandler(inner)
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            answered();
            return response;
        }
    }
}
