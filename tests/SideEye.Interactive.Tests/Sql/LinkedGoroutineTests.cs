using Microsoft.DotNet.Interactive.Events;
using SideEye.Snapshots.Analysis;
using SideEye.Snapshots.Model;
using SideEye.Snapshots.Store;

namespace SideEye.Interactive.Tests.Sql;

/// <summary>
/// #!sideeye goroutine follows the spec's links: a client goroutine waiting on request r-17 (one process, on one machine)
/// leads, through the link between the client's and the server's report tables, to the server goroutine holding r-17
/// (another process, on another machine), with the line that opens it; requests of other ids, or of another snapshot,
/// do not.
/// </summary>
public sealed class LinkedGoroutineTests
{
    [Fact]
    public async Task A_client_goroutine_leads_to_the_server_goroutine_holding_its_request()
    {
        using var file = new TempFile();
        var call = new[] { new StackFrame(0x401000, "main.call", "/src/client.go", 12, false) };
        var serve = new[] { new StackFrame(0x501000, "main.serve", "/src/server.go", 30, false) };
        ProcessSnapshot Client(params (long Goid, string Id)[] calls) =>
            new(7, "client-host", "/bin/client", "go1.26.10", 1000, 2000, false, null,
                calls.Select(c => new GoroutineRecord(c.Goid, "waiting", "select", null, null, null, null, "main.call", call, null)).ToArray(),
                Captures: calls.Select(c => new CapturedValue(c.Goid, 0, "main.call", "id", "string", $"\"{c.Id}\"", null)).ToArray())
            { Host = "client-host" };
        ProcessSnapshot Server(params (long Goid, string Id)[] requests) =>
            new(8, "server-host", "/bin/server", "go1.26.10", 1000, 2000, false, null,
                requests.Select(r => new GoroutineRecord(r.Goid, "waiting", "sync.Mutex.Lock", null, null, null, null, "main.serve", serve, null)).ToArray(),
                Captures: requests.Select(r => new CapturedValue(r.Goid, 0, "main.serve", "req.ID", "string", $"\"{r.Id}\"", null)).ToArray())
            { Host = "server-host" };
        using (var store = SnapshotStore.Open(file.Path))
        {
            store.Append(new Snapshot(0, DateTimeOffset.UtcNow, null, [Client((1, "r-17")), Server((5, "r-17"))]));
            store.Append(new Snapshot(0, DateTimeOffset.UtcNow, null, [Client((1, "r-17"), (2, "r-18")), Server((5, "r-18"), (6, "r-17"))]));
        }
        using var notebook = new SqlNotebook();
        File.WriteAllText(Path.Combine(notebook.Directory, "sideeye-spec.json"), """
            { "version": 2,
              "programs": [ { "binary": "client", "functions": [ { "function": "main.call", "capture": ["id"], "columns": [ { "name": "request_id", "sql": "\"id\"->>'$'" } ] } ] },
                            { "binary": "server", "functions": [ { "function": "main.serve", "capture": ["req.ID"], "columns": [ { "name": "request_id", "sql": "\"req.ID\"->>'$'" } ] } ] } ],
              "tables": [ { "name": "calls", "sql": "SELECT snapshot_id, host, pid, goid, request_id FROM main_call" },
                          { "name": "served", "sql": "SELECT snapshot_id, host, pid, goid, request_id FROM main_serve" } ],
              "links": [ { "name": "request", "from": { "table": "calls", "columns": ["request_id"] }, "to": { "table": "served", "columns": ["request_id"] } } ] }
            """);
        await notebook.SubmitAsync($"#!sideeye open --file {file.Path}");

        var result = await notebook.SubmitAsync("#!sideeye goroutine --goid 1 --pid 7");
        Assert.Empty(result.Events.OfType<CommandFailed>());
        var returned = result.Events.OfType<ReturnValueProduced>().Single();
        var detail = (GoroutineDetail)returned.Value;
        var linked = Assert.Single(detail.Linked);
        Assert.Equal(("request", "served", new Snapshots.Reports.LinkedGoroutine(2, "server-host", 8, 6)), (linked.Link, linked.ToTable, linked.Goroutine));
        var html = returned.FormattedValues.Single(v => v.MimeType == "text/html").Value;
        Assert.Contains("<code>#!sideeye goroutine --goid 6 --pid 8 --where host=server-host --snapshot 2</code>", html);

        // And back: the server goroutine leads to the client goroutine whose request it holds.
        var back = (GoroutineDetail)(await notebook.SubmitAsync("#!sideeye goroutine --goid 5 --pid 8")).Events.OfType<ReturnValueProduced>().Single().Value;
        Assert.Equal(new Snapshots.Reports.LinkedGoroutine(2, "client-host", 7, 2), Assert.Single(back.Linked).Goroutine);
        // Inline: the linked goroutine itself, its state and frames.
        Assert.Contains("linked: <b>goroutine 6 [sync.Mutex.Lock]</b> in process 8 on server-host", html);

        // The stack groups say it too: the client's group leads to both server goroutines, each client goroutine to its own.
        var stacks = (await notebook.SubmitAsync("#!sideeye stacks")).Events.OfType<DisplayEvent>().Single(e => e.FormattedValues.Any(v => v.MimeType == "text/html"))
            .FormattedValues.Single(v => v.MimeType == "text/html").Value;
        Assert.Contains("&rarr; <b>request</b> (served): 2 goroutines in 1 process: 5 (pid 8 on server-host), 6 (pid 8 on server-host)", stacks);
        Assert.Contains("&rarr; <b>request</b> (calls): 2 goroutines in 1 process: 1 (pid 7 on client-host), 2 (pid 7 on client-host)", stacks);
    }
}
