using Microsoft.DotNet.Interactive.Events;
using SideEye.Interactive.Formatters;
using SideEye.Interactive.Sql;

namespace SideEye.Interactive.Tests.Sql;

/// <summary>
/// SQL cells see the notebook's spec's reports with nothing to do: its extra columns on the function's table and its
/// derived tables, over the file the cell reads; a part that cannot be applied is said once, and the cell still runs.
/// </summary>
public sealed class SqlReportTests
{
    [Fact]
    public async Task A_sql_cell_sees_the_specs_columns_and_tables()
    {
        using var store = new SqlStoreFile(snapshots: 2);
        using var notebook = new SqlNotebook();
        File.WriteAllText(Path.Combine(notebook.Directory, "sideeye-spec.json"), """
            { "version": 2,
              "programs": [ { "binary": "app", "functions": [ { "function": "main.idle", "capture": ["req"],
                  "columns": [ { "name": "method", "sql": "\"req\"->>'$.Method'", "type": "varchar" }, { "name": "bad", "sql": "nothing_here" } ] } ] } ],
              "tables": [ { "name": "gets", "sql": "SELECT snapshot_id, goid, method FROM main_idle WHERE method = 'GET' ORDER BY snapshot_id" } ] }
            """);
        await notebook.SubmitAsync($"#!sideeye open --file {store.Path}");
        var first = await notebook.SubmitAsync("#!sideeye-sql\nSELECT snapshot_id, goid, method FROM gets");
        Assert.Empty(first.Events.OfType<CommandFailed>());
        var shown = first.Events.OfType<DisplayedValueProduced>().ToArray();
        var table = (SqlResultSet)shown.Single(d => d.Value is SqlResultSet).Value;
        Assert.Equal([[1L, 1L, "GET"], [2L, 1L, "GET"]], table.Rows);
        var said = shown.Where(d => d.Value is not SqlResultSet).Select(d => d.FormattedValues.Single().Value).Single();
        Assert.StartsWith("sideeye-sql: spec: ", said);
        Assert.Contains("programs[0].functions[0].columns[1]: Binder Error: Referenced column \"nothing_here\" not found", said);
        // Said once: the next cell shows only its table.
        var second = await notebook.SubmitAsync("#!sideeye-sql\nSELECT count(method) AS n FROM main_idle");
        Assert.Equal([[2L]], ((SqlResultSet)second.Events.OfType<DisplayedValueProduced>().Single().Value).Rows);

        // #!sideeye report: the table in the latest snapshot (or one asked for), each row with the line that opens its goroutine.
        var report = await notebook.SubmitAsync("#!sideeye report gets");
        Assert.Empty(report.Events.OfType<CommandFailed>());
        var returned = report.Events.OfType<ReturnValueProduced>().Single();
        var view = (ReportView)returned.Value;
        Assert.Equal((2L, 1L, false), (view.Report.SnapshotId, view.Report.Total, view.Report.NamesGoroutines));
        Assert.Equal([[2L, 1L, "GET"]], view.Report.Rows);
        var older = (ReportView)(await notebook.SubmitAsync("#!sideeye report gets --snapshot 1")).Events.OfType<ReturnValueProduced>().Single().Value;
        Assert.Equal([[1L, 1L, "GET"]], older.Report.Rows);
        Assert.Equal("#!sideeye: the spec has no table \"nope\" (its tables: gets)", ExtensionKernel.Failure(await notebook.SubmitAsync("#!sideeye report nope")));
    }

    [Fact]
    public async Task A_report_row_that_names_a_goroutine_offers_to_open_it()
    {
        using var store = new SqlStoreFile();
        using var notebook = new SqlNotebook();
        File.WriteAllText(Path.Combine(notebook.Directory, "sideeye-spec.json"), """
            { "version": 2,
              "programs": [ { "binary": "app", "functions": [ { "function": "main.idle", "capture": ["req"],
                  "columns": [ { "name": "path", "sql": "\"req\"->>'$.URL.Path'" } ] } ] } ],
              "tables": [ { "name": "requests", "description": "requests being served", "sql": "SELECT snapshot_id, host, pid, goid, path FROM main_idle WHERE path IS NOT NULL" } ] }
            """);
        await notebook.SubmitAsync($"#!sideeye open --file {store.Path}");
        var returned = (await notebook.SubmitAsync("#!sideeye report requests --pid 4242")).Events.OfType<ReturnValueProduced>().Single();
        var view = (ReportView)returned.Value;
        Assert.True(view.Report.NamesGoroutines);
        Assert.Equal(1, view.Report.Total);
        var html = returned.FormattedValues.Single(v => v.MimeType == "text/html").Value;
        Assert.Contains("report <strong>requests</strong>: requests being served (snapshot 1 in ", html);
        Assert.Contains("<code>#!sideeye goroutine --goid 1 --pid 4242 --where host=host --snapshot 1</code>", html);
    }

    [Fact]
    public async Task Columns_tables_and_links_are_edited_from_cells_tried_on_the_store_and_saved()
    {
        using var store = new SqlStoreFile();
        using var notebook = new SqlNotebook();
        var specFile = Path.Combine(notebook.Directory, "sideeye-spec.json");
        File.WriteAllText(specFile, """{ "version": 1, "programs": [ { "binary": "app", "functions": [ { "function": "main.idle", "capture": ["req"] } ] } ] }""");
        await notebook.SubmitAsync($"#!sideeye open --file {store.Path}");

        Assert.StartsWith("column method on main.idle kept in ", await Said(notebook, "#!sideeye column main.idle method --type varchar = \"req\"->>'$.Method'"));
        Assert.EndsWith($", tried on {store.Path}", await Said(notebook, "#!sideeye table gets --description \"GET requests\" = SELECT goid, method FROM main_idle WHERE method = 'GET'"));
        Assert.StartsWith("link g kept in ", await Said(notebook, "#!sideeye link g gets(goid) goroutines(goid)"));
        var (result, _, _) = await notebook.TableAsync("#!sideeye-sql\nSELECT goid, method FROM gets");
        Assert.Equal([[1L, "GET"]], result.Rows);
        var saved = Probes.Specs.CaptureSpecFile.Load(specFile);
        Assert.Equal((1, 1, 1), (saved.Reports.Columns.Count, saved.Reports.Tables.Count, saved.Reports.Links.Count));
        Assert.Equal(("gets", "GET requests"), (saved.Reports.Tables[0].Name, saved.Reports.Tables[0].Description));

        // A part that does not apply to the store is refused, and the file is as it was.
        var before = File.ReadAllText(specFile);
        Assert.StartsWith("#!sideeye: column bad on main.idle: Binder Error: Referenced column \"nothing_here\" not found",
            ExtensionKernel.Failure(await notebook.SubmitAsync("#!sideeye column main.idle bad = nothing_here + 1")));
        Assert.Contains("link h: from: gets has no column \"nope\"", ExtensionKernel.Failure(await notebook.SubmitAsync("#!sideeye link h gets(nope) goroutines(goid)")));
        Assert.Equal(before, File.ReadAllText(specFile));

        Assert.StartsWith("table gets removed", await Said(notebook, "#!sideeye table gets --remove"));
        Assert.Empty(Probes.Specs.CaptureSpecFile.Load(specFile).Reports.Tables);
    }

    [Fact]
    public async Task A_hand_edit_of_the_spec_file_is_seen_by_the_next_cell()
    {
        using var store = new SqlStoreFile();
        using var notebook = new SqlNotebook();
        var specFile = Path.Combine(notebook.Directory, "sideeye-spec.json");
        const string Spec = """
            { "version": 2, "programs": [ { "binary": "app", "functions": [ { "function": "main.idle", "capture": ["req"] } ] } ],
              "tables": [ { "name": "gets", "sql": "SELECT goid FROM main_idle WHERE \"req\"->>'$.Method' = 'GET'" } ] }
            """;
        File.WriteAllText(specFile, Spec);
        await notebook.SubmitAsync($"#!sideeye open --file {store.Path}");
        Assert.Equal([[1L]], (await notebook.TableAsync("#!sideeye-sql\nSELECT count(*) FROM gets")).Item1.Rows);

        // A teammate's version of the file: the table now counts what is not a GET.
        File.WriteAllText(specFile, Spec.Replace("= 'GET'", "<> 'GET'", StringComparison.Ordinal));
        File.SetLastWriteTimeUtc(specFile, DateTime.UtcNow.AddSeconds(1));
        Assert.Equal([[0L]], (await notebook.TableAsync("#!sideeye-sql\nSELECT count(*) FROM gets")).Item1.Rows);
        // A broken one fails the cell with its place, and mending it mends the next cell.
        File.WriteAllText(specFile, "{ \"version\": 2, \"tables\": [ { \"name\": 1 } ] }");
        File.SetLastWriteTimeUtc(specFile, DateTime.UtcNow.AddSeconds(2));
        Assert.Contains("tables[0]", Assert.Single((await notebook.SubmitAsync("#!sideeye-sql\nSELECT 1")).Events.OfType<CommandFailed>()).Message);
        File.WriteAllText(specFile, Spec);
        File.SetLastWriteTimeUtc(specFile, DateTime.UtcNow.AddSeconds(3));
        Assert.Equal([[1L]], (await notebook.TableAsync("#!sideeye-sql\nSELECT count(*) FROM gets")).Item1.Rows);
    }

    [Fact]
    public async Task A_sql_cell_with_table_keeps_its_multi_line_query_as_a_report()
    {
        using var store = new SqlStoreFile();
        using var notebook = new SqlNotebook();
        var specFile = Path.Combine(notebook.Directory, "sideeye-spec.json");
        File.WriteAllText(specFile, """{ "version": 1, "programs": [ { "binary": "app", "functions": [ { "function": "main.idle", "capture": ["req"] } ] } ] }""");
        await notebook.SubmitAsync($"#!sideeye open --file {store.Path}");

        var result = await notebook.SubmitAsync("#!sideeye-sql --table gets --description \"GET requests\"\nSELECT goid,\n       \"req\"->>'$.Method' AS method\nFROM main_idle\nWHERE \"req\"->>'$.Method' = 'GET';\n");
        Assert.Empty(result.Events.OfType<CommandFailed>());
        var shown = result.Events.OfType<DisplayedValueProduced>().ToArray();
        Assert.StartsWith("table gets kept in ", shown[0].FormattedValues.Single().Value);
        Assert.Equal([[1L, "GET"]], ((SqlResultSet)shown.Single(d => d.Value is SqlResultSet).Value).Rows);
        var table = Assert.Single(Probes.Specs.CaptureSpecFile.Load(specFile).Reports.Tables);
        Assert.Equal(("gets", "GET requests"), (table.Name, table.Description));
        Assert.Equal("SELECT goid,\n       \"req\"->>'$.Method' AS method\nFROM main_idle\nWHERE \"req\"->>'$.Method' = 'GET'", table.Sql);
        // Every later cell sees it, as a report too.
        Assert.Equal([[1L]], (await notebook.TableAsync("#!sideeye-sql\nSELECT count(*) FROM gets")).Item1.Rows);

        // A query that does not run is refused, and the spec is as it was.
        var before = File.ReadAllText(specFile);
        var failed = Assert.Single((await notebook.SubmitAsync("#!sideeye-sql --table broken\nSELECT nothing_here FROM main_idle")).Events.OfType<CommandFailed>());
        Assert.Contains("table broken: ", failed.Message);
        Assert.Equal(before, File.ReadAllText(specFile));
        Assert.Contains("--description goes with --table", Assert.Single((await notebook.SubmitAsync("#!sideeye-sql --description x\nSELECT 1")).Events.OfType<CommandFailed>()).Message);
    }

    static async Task<string> Said(SqlNotebook notebook, string code)
    {
        var result = await notebook.SubmitAsync(code);
        var failed = result.Events.OfType<CommandFailed>().FirstOrDefault();
        Assert.True(failed is null, failed?.Message);
        return (string)result.Events.OfType<ReturnValueProduced>().Single().Value;
    }
}
