using SideEye.Probes.Specs;

namespace SideEye.Snapshots.Reports;

/// <summary>
/// The reports every store has without a spec, over what <see cref="BuiltInCaptures"/> took: <c>http_client_calls</c>
/// (a goroutine waiting on an HTTP/1 request it sent: the connection's local and remote address, method and URL),
/// <c>http_server_calls</c> (a net/http server goroutine inside a handler, not one idle between requests: the same
/// for the connection it serves, with the request's method, URI and Host header) and the link <c>http</c> between them:
/// the client's local address is the server's remote one and the other way round, so a request is followed from the
/// client goroutine into the server goroutine handling it, in another process or on another machine of the snapshot
/// (addresses as each side's socket names them: a NAT between the two hides the pair). Temporary like the spec's
/// reports; a view whose function no snapshot captured is not made, and says nothing.
/// </summary>
public static class BuiltInReports
{
    public const string HttpClientCalls = "http_client_calls", HttpServerCalls = "http_server_calls", HttpLink = "http";
    public const string GrpcClientCalls = "grpc_client_calls", GrpcServerCalls = "grpc_server_calls", GrpcLink = "grpc";

    public static readonly string[] Names = [HttpClientCalls, HttpServerCalls, GrpcClientCalls, GrpcServerCalls];

    /// <summary>The built-in links' names, which a spec's links may not take.</summary>
    public static readonly string[] LinkNames = [HttpLink, GrpcLink];

    const string Place = "built in";

    /// <summary>
    /// Helpers over captured JSON: a net.Addr interface value as "IP:PORT" ("[IPv6]:PORT", a socket path for a unix
    /// address); an IP (a []byte, captured as text when its bytes happen to read as text, else base64) from its hex; the
    /// netFD inside a net.Conn (a *net.TCPConn or *net.UnixConn, or a *tls.Conn around one).
    /// </summary>
    static readonly string[] Macros =
    [
        """
        CREATE OR REPLACE TEMP MACRO sideeye_ip_hex(ip) AS
            CASE json_type(ip) WHEN 'OBJECT' THEN hex(from_base64(json_extract_string(ip, '$."$base64"'))) WHEN 'VARCHAR' THEN hex(json_extract_string(ip, '$')) END
        """,
        """
        CREATE OR REPLACE TEMP MACRO sideeye_ipv4(h) AS
            array_to_string(list_transform(range(4), lambda i: (('0x' || substr(h, 2 * i + 1, 2))::INTEGER)::VARCHAR), '.')
        """,
        """
        CREATE OR REPLACE TEMP MACRO sideeye_ip(h) AS
            CASE WHEN length(h) = 8 THEN sideeye_ipv4(h)
            WHEN length(h) = 32 AND starts_with(h, '00000000000000000000FFFF') THEN sideeye_ipv4(substr(h, 25))
            WHEN length(h) = 32 THEN '[' || array_to_string(list_transform(range(8), lambda i: coalesce(nullif(ltrim(lower(substr(h, 4 * i + 1, 4)), '0'), ''), '0')), ':') || ']'
            END
        """,
        """
        CREATE OR REPLACE TEMP MACRO sideeye_net_addr(a) AS
            CASE WHEN json_extract_string(a, '$."$type"') IN ('*net.TCPAddr', '*net.UDPAddr') THEN sideeye_ip(sideeye_ip_hex(json_extract(a, '$.value.IP'))) || ':' || json_extract_string(a, '$.value.Port')
            WHEN json_extract_string(a, '$."$type"') = '*net.UnixAddr' THEN json_extract_string(a, '$.value.Name')
            END
        """,
        """
        CREATE OR REPLACE TEMP MACRO sideeye_conn_fd(c) AS
            coalesce(json_extract(c, '$.value.conn.fd'), json_extract(c, '$.value.conn.value.conn.fd'))
        """,
        """
        CREATE OR REPLACE TEMP MACRO sideeye_url(u) AS
            CASE WHEN u IS NOT NULL AND json_type(u) = 'OBJECT' THEN
            coalesce(json_extract_string(u, '$.Scheme'), '') || '://' || coalesce(json_extract_string(u, '$.Host'), '') || coalesce(json_extract_string(u, '$.Path'), '')
            || CASE WHEN coalesce(json_extract_string(u, '$.RawQuery'), '') <> '' THEN '?' || json_extract_string(u, '$.RawQuery') ELSE '' END
            END
        """,
    ];

    /// <summary>One built-in view: its name, what it holds, the captured function it reads, and its SQL over that
    /// function's table (from, aliased t) in the store's catalog: column(EXPR) is the captured expression's column, NULL
    /// where no snapshot had it.</summary>
    sealed record View(string Name, string Description, string Function, Func<Func<string, string>, string, string, string> Sql);

    static readonly View[] Views =
    [
        new(HttpClientCalls, "goroutines waiting on an HTTP/1 request they sent (net/http's client), with the connection's addresses", BuiltInCaptures.HttpClientRoundTrip,
            (c, catalog, from) => $"""
                SELECT t.snapshot_id, t.host, t.pid, t.goid, t.depth,
                       sideeye_net_addr(json_extract(sideeye_conn_fd({c("pc.conn")}), '$.laddr')) AS local_addr,
                       sideeye_net_addr(json_extract(sideeye_conn_fd({c("pc.conn")}), '$.raddr')) AS remote_addr,
                       json_extract_string({c("req.Request.Method")}, '$') AS method,
                       sideeye_url({c("req.Request.URL")}) AS url
                FROM {from} t
                """),
        // A connection's goroutine between requests still holds the last one (stores from before the capture was
        // limited to the handler's calls have such rows): only a frame whose callee is the handler's dispatch serves one.
        new(HttpServerCalls, "net/http server goroutines inside a handler, with the connection's addresses and the request", BuiltInCaptures.HttpServerConn,
            (c, catalog, from) => $"""
                SELECT t.snapshot_id, t.host, t.pid, t.goid, t.depth,
                       sideeye_net_addr(json_extract(sideeye_conn_fd({c("c.rwc")}), '$.laddr')) AS local_addr,
                       sideeye_net_addr(json_extract(sideeye_conn_fd({c("c.rwc")}), '$.raddr')) AS remote_addr,
                       json_extract_string({c("w.req.Method")}, '$') AS method,
                       json_extract_string({c("w.req.RequestURI")}, '$') AS uri,
                       json_extract_string({c("w.req.Host")}, '$') AS request_host
                FROM {from} t
                WHERE EXISTS (SELECT 1 FROM {catalog}.main.frames f
                              WHERE f.snapshot_id = t.snapshot_id AND f.host = t.host AND f.pid = t.pid AND f.goid = t.goid AND f.depth = t.depth - 1
                                AND f.func = '{BuiltInCaptures.HttpServerHandler}')
                """),
        new(GrpcClientCalls, "goroutines waiting for the answer to a gRPC call (grpc-go's client), with the connection's addresses and the stream", BuiltInCaptures.GrpcClientReceive,
            (c, catalog, from) => $"""
                SELECT t.snapshot_id, t.host, t.pid, t.goid, t.depth,
                       sideeye_net_addr({c("a.s.ct.localAddr")}) AS local_addr,
                       sideeye_net_addr({c("a.s.ct.remoteAddr")}) AS remote_addr,
                       TRY_CAST(json_extract_string({c("a.s.id")}, '$') AS BIGINT) AS stream_id,
                       json_extract_string({c("a.s.method")}, '$') AS method
                FROM {from} t
                """),
        new(GrpcServerCalls, "grpc-go server goroutines handling a stream, with the connection's addresses and the stream", BuiltInCaptures.GrpcServerStream,
            (c, catalog, from) => $"""
                SELECT t.snapshot_id, t.host, t.pid, t.goid, t.depth,
                       sideeye_net_addr({c(BuiltInCaptures.GrpcServerLocalAddr)}) AS local_addr,
                       sideeye_net_addr({c(BuiltInCaptures.GrpcServerRemoteAddr)}) AS remote_addr,
                       TRY_CAST(json_extract_string({c("stream.id")}, '$') AS BIGINT) AS stream_id,
                       json_extract_string({c("stream.method")}, '$') AS method
                FROM {from} t
                """),
    ];

    /// <summary>The built-in links: the client's end of a connection (and stream) is the server's other end.</summary>
    static readonly ReportLink[] Links =
    [
        new(HttpLink, new LinkEnd(HttpClientCalls, ["local_addr", "remote_addr"]), new LinkEnd(HttpServerCalls, ["remote_addr", "local_addr"]), Place),
        new(GrpcLink, new LinkEnd(GrpcClientCalls, ["local_addr", "remote_addr", "stream_id"]), new LinkEnd(GrpcServerCalls, ["remote_addr", "local_addr", "stream_id"]), Place),
    ];

    /// <summary>Makes the views whose functions were captured and the links between them; what was made comes back.</summary>
    internal static (List<ReportTable> Tables, List<ReportLink> Links) Apply(ReportSql store, string catalog, IReadOnlyDictionary<string, string> functionTables)
    {
        var present = Views.Where(v => functionTables.ContainsKey(v.Function)).ToList();
        if (present.Count == 0) return ([], []);
        foreach (var macro in Macros) store.Query(macro);
        var columns = store.Query($"SELECT func, expr, column_name FROM {catalog}.main.capture_columns").Rows
            .ToDictionary(r => ((string)r[0]!, (string)r[1]!), r => (string)r[2]!);
        var tables = present.Select(v => Make(store, v.Name, v.Description, v.Sql(
            e => columns.TryGetValue((v.Function, e), out var name) ? "t." + ReportViews.Quote(name) : "NULL::JSON",
            catalog, $"{catalog}.main.{ReportViews.Quote(functionTables[v.Function])}"))).ToList();
        var made = tables.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        return (tables, Links.Where(l => made.Contains(l.From.Table) && made.Contains(l.To.Table)).ToList());
    }

    static ReportTable Make(ReportSql store, string name, string description, string sql)
    {
        store.Query($"CREATE OR REPLACE TEMP VIEW {name} AS {sql}");
        return new ReportTable(name, description, sql, Place);
    }
}
