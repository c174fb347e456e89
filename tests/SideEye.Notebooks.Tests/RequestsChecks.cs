using System.Globalization;
using System.Text.RegularExpressions;

namespace SideEye.Notebooks.Tests;

/// <summary>
/// What notebooks/requests.ipynb must show after a run against the two services: the in-flight report holding
/// exactly the stuck requests, oldest first; the oldest one's goroutine with its captured id and, inline through the
/// built-in http link, the backend goroutine looking that very request up, waiting on the shard's mutex; the SQL
/// join of every stuck request to its backend goroutine; and the compaction that holds the lock among the stacks.
/// </summary>
static partial class RequestsChecks
{
    public const string Notebook = "requests.ipynb";

    public static void Check(ExecutedNotebook notebook, TwoServices services)
    {
        notebook.AssertNoCellFailed();
        services.AssertRunning();
        string Pid(Testing.LaunchedProgram p) => p.Pid.ToString(CultureInfo.InvariantCulture);

        var snapshot = HtmlTables.WithColumns(notebook.Cell("#!sideeye snapshot --exe frontend,backend").Html, "pid", "error");
        Assert.Equal([Pid(services.Backend), Pid(services.Frontend)], snapshot.Rows.Select(r => snapshot.Cell(r, "pid")).Order(StringComparer.Ordinal));
        Assert.All(snapshot.Rows, r => Assert.Equal("", snapshot.Cell(r, "error")));

        // The SQL cell that keeps the report in the spec, showing its rows.
        var kept = notebook.Cell("#!sideeye-sql --table inflight");
        Assert.Contains("table inflight kept in ", kept.Text, StringComparison.Ordinal);
        Assert.Equal(TwoServices.Stuck.Length, SqlTables.WithColumns(kept.Html, "id", "age").Rows.Count);

        // The report: the stuck requests, oldest first (the frontend started them in id order).
        var report = HtmlTables.WithColumns(notebook.Cell("#!sideeye report inflight").Html, "id", "path", "age", "goroutine");
        Assert.Equal(TwoServices.Stuck.Select(id => id.ToString(CultureInfo.InvariantCulture)), report.Rows.Select(r => report.Cell(r, "id")));
        Assert.Equal(TwoServices.Stuck.Select(id => $"/items/{id - 5000}"), report.Rows.Select(r => report.Cell(r, "path")));

        // The oldest request's goroutine: its id captured, and the backend goroutine serving it inline.
        var oldest = TwoServices.Stuck[0];
        var goroutine = HtmlTables.Text(notebook.Cell("#!sideeye goroutine --report inflight").Html);
        Assert.Matches(@"^goroutine \d+ \[select", goroutine);
        Assert.Contains($"in process {Pid(services.Frontend)}", goroutine, StringComparison.Ordinal);
        Assert.Contains($"req.ID int64 = {oldest}", goroutine, StringComparison.Ordinal);
        var linked = LinkedRegex().Match(goroutine);
        Assert.True(linked.Success, goroutine);
        Assert.Equal(Pid(services.Backend), linked.Groups[2].Value);
        Assert.Equal("sync.Mutex.Lock", linked.Groups[1].Value);
        var inside = goroutine[linked.Index..];
        Assert.Contains("main.(*store).lookup", inside, StringComparison.Ordinal);
        Assert.Contains($"id int64 = {oldest}", inside, StringComparison.Ordinal);
        // The link's row: the server's side of the very connection the backend printed for that request.
        Assert.Contains($"local_addr={services.Served[oldest].Local}, remote_addr={services.Served[oldest].Remote}", goroutine, StringComparison.Ordinal);

        // Every stuck request joined to the backend goroutine that holds it, through the built-in views.
        var joined = SqlTables.WithColumns(notebook.Cell("#!sideeye-sql\nSELECT i.id, i.path, i.age, s.pid AS backend_pid").Html, "id", "backend_pid", "uri", "wait_reason");
        Assert.Equal(TwoServices.Stuck.Select(id => (id.ToString(CultureInfo.InvariantCulture), Pid(services.Backend), $"/items/{id - 5000}?request={id}", "sync.Mutex.Lock")),
            joined.Rows.Select(r => (joined.Cell(r, "id"), joined.Cell(r, "backend_pid"), joined.Cell(r, "uri"), joined.Cell(r, "wait_reason"))));

        // The lock's holder is there too: the compaction, parked in main.(*store).compact; and the group of waiting
        // lookups leads back, at its net/http.(*conn).serve frame, to the three frontend goroutines whose calls they serve.
        var stacks = HtmlTables.Text(notebook.Cell("#!sideeye stacks --filter main.(*store)").Html);
        Assert.Contains("main.(*store).compact", stacks, StringComparison.Ordinal);
        Assert.Contains($"→ http (http_client_calls): {TwoServices.Stuck.Length} goroutines in 1 process", stacks, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"linked: goroutine \d+ \[([^,\]]+)[^\]]*\] in process (\d+)")]
    private static partial Regex LinkedRegex();
}
