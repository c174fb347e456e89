using SideEye.GoRuntime;

namespace SideEye.Probes.Specs;

/// <summary>
/// What every snapshot captures without being asked, so that requests can be followed from the client goroutine
/// waiting on one into the server goroutine serving it (SideEye.Snapshots.Reports.BuiltInReports matches them): for
/// net/http, the connection a client's round trip waits on and the connection and request a server goroutine holds;
/// for grpc-go, the connection's addresses, the stream id and the method on both sides.
/// Added to a program's captures only where the binary has the function and the expression resolves (another Go
/// release may name a field differently: that expression is left out, never an error), and only with debug info.
/// </summary>
public static class BuiltInCaptures
{
    /// <summary>net/http's client: the goroutine that sent a request over an HTTP/1 connection waits here for the answer.</summary>
    public const string HttpClientRoundTrip = "net/http.(*persistConn).roundTrip";

    /// <summary>net/http's server: one goroutine per connection, serving its requests one after another.</summary>
    public const string HttpServerConn = "net/http.(*conn).serve";

    /// <summary>What net/http's connection goroutine calls to run the handler of a request.</summary>
    public const string HttpServerHandler = "net/http.serverHandler.ServeHTTP";

    /// <summary>grpc-go's client (the 1.3x API Debian packages): a call's goroutine waits here for the answer on its stream.</summary>
    public const string GrpcClientReceive = "google.golang.org/grpc.(*csAttempt).recvMsg";

    /// <summary>grpc-go's server: one goroutine per stream, through the handler.</summary>
    public const string GrpcServerStream = "google.golang.org/grpc.(*Server).handleStream";

    /// <summary>The server transport's addresses, behind its interface (grpc-go's own HTTP/2 transport).</summary>
    public const string GrpcServerLocalAddr = "stream.st.(*transport.http2Server).localAddr", GrpcServerRemoteAddr = "stream.st.(*transport.http2Server).remoteAddr";

    public static IReadOnlyList<FunctionCapture> All { get; } =
    [
        new(HttpClientRoundTrip, ["pc.conn", "req.Request.Method", "req.Request.URL"]),
        // An idle connection's goroutine waits in the same function for the next request (a busy server keeps
        // thousands): capturing it there tripled the pause of a server with 1,600 idle connections.
        new(HttpServerConn, ["c.rwc", "w.req.Method", "w.req.RequestURI", "w.req.Host"]) { AtCallsTo = HttpServerHandler },
        new(GrpcClientReceive, ["a.s.id", "a.s.ct.localAddr", "a.s.ct.remoteAddr", "a.s.method"]),
        new(GrpcServerStream, ["stream.id", "stream.method", GrpcServerLocalAddr, GrpcServerRemoteAddr]),
    ];

    /// <summary>Whether the expression is one of the built-in captures of the function.</summary>
    public static bool IsBuiltIn(string function, string expression) =>
        All.Any(b => b.Function == function && b.Expressions.Contains(expression));

    /// <summary>
    /// <paramref name="asked"/> (the spec's captures for this binary, or null) with the built-in ones the binary
    /// can take added: its own expressions first, then the built-in ones it does not already ask for.
    /// </summary>
    public static ProgramCaptures? AddTo(ProgramCaptures? asked, GoBinary binary)
    {
        ArgumentNullException.ThrowIfNull(binary);
        if (CaptureResolver.WithoutDebugInfo(binary) is not null) return asked;
        var resolver = new CaptureResolver(binary);
        var functions = (asked?.Functions ?? []).ToList();
        foreach (var builtIn in All)
        {
            var usable = builtIn.Expressions.Where(e => Resolves(resolver, builtIn.Function, e)).ToArray();
            if (usable.Length == 0) continue;
            var at = functions.FindIndex(f => f.Function == builtIn.Function);
            // A spec that asks for the function itself has it captured wherever it is, built-in expressions too.
            if (at < 0) functions.Add(builtIn with { Expressions = usable });
            else functions[at] = functions[at] with { Expressions = [.. functions[at].Expressions, .. usable.Except(functions[at].Expressions)] };
        }
        if (functions.SequenceEqual(asked?.Functions ?? [])) return asked;
        return asked is null ? new ProgramCaptures(ProgramCaptures.ProgramName(binary.Path), functions) : asked with { Functions = functions };
    }

    static bool Resolves(CaptureResolver resolver, string function, string expression)
    {
        try
        {
            resolver.Resolve(function, expression);
            return true;
        }
        catch (CaptureSpecException)
        {
            return false;
        }
    }
}
