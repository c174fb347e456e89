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

    public static readonly string[] Names = [HttpClientCalls, HttpServerCalls];

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

    /// <summary>Makes the views whose functions were captured and the links between them; what was made comes back.</summary>
    internal static (List<ReportTable> Tables, List<ReportLink> Links) Apply(ReportSql store, string catalog, IReadOnlyDictionary<string, string> functionTables)
    {
        var tables = new List<ReportTable>();
        var client = functionTables.GetValueOrDefault(BuiltInCaptures.HttpClientRoundTrip);
        var server = functionTables.GetValueOrDefault(BuiltInCaptures.HttpServerConn);
        if (client is null && server is null) return (tables, []);
        foreach (var macro in Macros) store.Query(macro);
        var columns = store.Query($"SELECT func, expr, column_name FROM {catalog}.main.capture_columns").Rows
            .ToDictionary(r => ((string)r[0]!, (string)r[1]!), r => (string)r[2]!);
        string Column(string function, string expression) =>
            columns.TryGetValue((function, expression), out var name) ? "t." + ReportViews.Quote(name) : "NULL::JSON";
        if (client is not null)
        {
            string C(string e) => Column(BuiltInCaptures.HttpClientRoundTrip, e);
            tables.Add(Make(store, HttpClientCalls, "goroutines waiting on an HTTP/1 request they sent (net/http's client), with the connection's addresses", $"""
                SELECT t.snapshot_id, t.host, t.pid, t.goid, t.depth,
                       sideeye_net_addr(json_extract(sideeye_conn_fd({C("pc.conn")}), '$.laddr')) AS local_addr,
                       sideeye_net_addr(json_extract(sideeye_conn_fd({C("pc.conn")}), '$.raddr')) AS remote_addr,
                       json_extract_string({C("req.Request.Method")}, '$') AS method,
                       sideeye_url({C("req.Request.URL")}) AS url
                FROM {catalog}.main.{ReportViews.Quote(client)} t
                """));
        }
        if (server is not null)
        {
            string S(string e) => Column(BuiltInCaptures.HttpServerConn, e);
            // A connection's goroutine between requests still holds the last one: only a frame whose callee is the
            // handler's dispatch is serving a request.
            tables.Add(Make(store, HttpServerCalls, "net/http server goroutines inside a handler, with the connection's addresses and the request", $"""
                SELECT t.snapshot_id, t.host, t.pid, t.goid, t.depth,
                       sideeye_net_addr(json_extract(sideeye_conn_fd({S("c.rwc")}), '$.laddr')) AS local_addr,
                       sideeye_net_addr(json_extract(sideeye_conn_fd({S("c.rwc")}), '$.raddr')) AS remote_addr,
                       json_extract_string({S("w.req.Method")}, '$') AS method,
                       json_extract_string({S("w.req.RequestURI")}, '$') AS uri,
                       json_extract_string({S("w.req.Host")}, '$') AS request_host
                FROM {catalog}.main.{ReportViews.Quote(server)} t
                JOIN {catalog}.main.frames f ON f.snapshot_id = t.snapshot_id AND f.host = t.host AND f.pid = t.pid AND f.goid = t.goid AND f.depth = t.depth - 1
                WHERE f.func = 'net/http.serverHandler.ServeHTTP'
                """));
        }
        var links = new List<ReportLink>();
        if (client is not null && server is not null)
            links.Add(new ReportLink(HttpLink, new LinkEnd(HttpClientCalls, ["local_addr", "remote_addr"]), new LinkEnd(HttpServerCalls, ["remote_addr", "local_addr"]), Place));
        return (tables, links);
    }

    static ReportTable Make(ReportSql store, string name, string description, string sql)
    {
        store.Query($"CREATE OR REPLACE TEMP VIEW {name} AS {sql}");
        return new ReportTable(name, description, sql, Place);
    }
}
