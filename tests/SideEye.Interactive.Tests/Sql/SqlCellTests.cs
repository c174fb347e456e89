using System.Numerics;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.DotNet.Interactive.Commands;
using Microsoft.DotNet.Interactive.CSharp;
using Microsoft.DotNet.Interactive.Events;
using Microsoft.DotNet.Interactive.Formatting.TabularData;
using SideEye.Interactive.Sql;
using SideEye.Snapshots.Store;

namespace SideEye.Interactive.Tests.Sql;

/// <summary>
/// SQL cells (#!sideeye-sql) over real snapshot stores written by <see cref="SnapshotStore"/>: the table a cell
/// shows, the rows a C# cell receives, #!connect sideeye for a second file, and one-line failures that leave the
/// file closed.
/// </summary>
public sealed partial class SqlCellTests
{
    [Fact]
    public async Task A_sql_cell_shows_a_table_of_the_opened_file()
    {
        using var store = new SqlStoreFile();
        using var notebook = new SqlNotebook();
        await notebook.SubmitAsync($"#!sideeye open --file {store.Path}");
        var (result, html, text) = await notebook.TableAsync("""
            #!sideeye-sql
            SELECT coalesce(wait_reason, status) AS state, count(*) AS goroutines
            FROM goroutines GROUP BY ALL ORDER BY goroutines DESC
            """);

        Assert.Equal(["state", "goroutines"], result.Columns.Select(c => c.Name));
        Assert.Equal(["VARCHAR", "BIGINT"], result.Columns.Select(c => c.Type));
        Assert.Equal([typeof(string), typeof(long)], result.Columns.Select(c => c.ValueType));
        Assert.Equal(2, result.RowCount);
        Assert.Equal(["chan receive", (long)SqlStoreFile.Waiting], result.Rows[0]);
        Assert.Equal(["running", 1L], result.Rows[1]);
        Assert.Contains("<th>state<br><small>VARCHAR</small></th><th>goroutines<br><small>BIGINT</small></th>", html, StringComparison.Ordinal);
        Assert.Contains($"<tr><td>chan receive</td><td class=\"num\">{SqlStoreFile.Waiting}</td></tr><tr><td>running</td><td class=\"num\">1</td></tr>", html, StringComparison.Ordinal);
        Assert.Contains("<p>2 rows</p>", html, StringComparison.Ordinal);
        Assert.Equal($"""
            state        | goroutines
            -------------+-----------
            chan receive |          {SqlStoreFile.Waiting}
            running      |          1
            2 rows
            """.ReplaceLineEndings("\n"), text);
    }

    [Fact]
    public async Task The_cell_follows_sideeye_open()
    {
        using var one = new SqlStoreFile(snapshots: 1);
        using var two = new SqlStoreFile(snapshots: 2);
        using var notebook = new SqlNotebook();
        const string Count = "#!sideeye-sql\nSELECT count(*) AS n FROM goroutines WHERE status = 'waiting'";
        await notebook.SubmitAsync($"#!sideeye open --file {one.Path}");
        Assert.Equal(SqlStoreFile.Waiting, (long)(await notebook.TableAsync(Count)).Result.Rows[0][0]!);
        await notebook.SubmitAsync($"#!sideeye open --file {two.Path}");
        Assert.Equal(SqlStoreFile.Waiting + SqlStoreFile.Waiting + 1, (long)(await notebook.TableAsync(Count)).Result.Rows[0][0]!);
    }

    [Fact]
    public async Task A_cell_whose_kernel_is_chosen_in_the_picker_runs_too()
    {
        using var store = new SqlStoreFile();
        using var notebook = new SqlNotebook();
        await notebook.SubmitAsync($"#!sideeye open --file {store.Path}");
        // A notebook front end sends the cell's text to the chosen kernel, with no #!sideeye-sql line.
        var result = await notebook.Kernel.SendAsync(new SubmitCode("SELECT note FROM snapshots", SqlKernel.DefaultName));
        Assert.Empty(result.Events.OfType<CommandFailed>());
        Assert.Equal([["first"]], ((SqlResultSet)result.Events.OfType<DisplayedValueProduced>().Single().Value).Rows);
    }

    [Fact]
    public async Task Before_any_snapshot_the_cell_says_how_to_get_one()
    {
        using var notebook = new SqlNotebook();
        var message = ExtensionKernel.Failure(await notebook.SubmitAsync("#!sideeye-sql\nSELECT count(*) FROM goroutines"));
        Assert.Equal($"sideeye-sql: {Path.Combine(notebook.Directory, "sideeye.duckdb")}: no such file; take a snapshot with #!sideeye snapshot, or open a saved file with #!sideeye open --file FILE", message);
    }

    [Fact]
    public async Task Nulls_empty_strings_json_times_hugeints_and_lists_read_as_they_are()
    {
        using var store = new SqlStoreFile();
        using var notebook = new SqlNotebook();
        await notebook.SubmitAsync($"#!sideeye open --file {store.Path}");
        var (result, html, text) = await notebook.TableAsync("""
            #!sideeye-sql
            SELECT c.goid, c.value_json, c.unavailable, g.labels, g.labels->>'path' AS path, g.labels->>'nope' AS nope,
                   s.taken_at, (SELECT sum(goid) FROM goroutines) AS goid_sum, [1, NULL, 3] AS list,
                   {'name': 'x', 'empty': '', 'none': NULL} AS struct, '\xAA\x0B'::BLOB AS blob, INTERVAL 90 MINUTE AS took
            FROM captured c JOIN snapshots s USING (snapshot_id) LEFT JOIN goroutines g ON g.goid = 100
            ORDER BY c.goid
            """);

        Assert.Equal(2, result.RowCount);
        var (captured, unavailable) = (result.Rows[0], result.Rows[1]);
        Assert.Equal(SqlStoreFile.LongJson, captured[1]);
        Assert.Null(captured[2]);
        Assert.Null(unavailable[1]);
        Assert.Equal("optimized away", unavailable[2]);
        Assert.Equal("", captured[4]);
        Assert.Null(captured[5]);
        Assert.Equal(SqlStoreFile.Snapshot(0).TakenAt, captured[6]);
        Assert.Equal(new BigInteger(Enumerable.Range(1, SqlStoreFile.Waiting).Sum() + 100), captured[7]);
        Assert.Equal(new List<int?> { 1, null, 3 }, captured[8]);
        Assert.Equal(new byte[] { 0xAA, 0x0B }, captured[10]);
        Assert.Equal(TimeSpan.FromMinutes(90), captured[11]);

        var cells = Cells(html);
        Assert.Equal(2, cells.Count);
        // A long JSON value is folded: its start in the summary, indented in full when opened.
        Assert.StartsWith("<td><details><summary><code>{&quot;Method&quot;:&quot;GET&quot;", cells[0][1], StringComparison.Ordinal);
        Assert.Contains("<pre>{\n  &quot;Method&quot;: &quot;GET&quot;,\n  &quot;URL&quot;: {\n    &quot;Path&quot;", cells[0][1], StringComparison.Ordinal);
        // NULL is styled apart from text; an empty string is an empty cell.
        Assert.Equal("<td class=\"null\">NULL</td>", cells[0][2]);
        Assert.Equal("<td class=\"null\">NULL</td>", cells[1][1]);
        Assert.Equal("<td>optimized away</td>", cells[1][2]);
        Assert.Equal("<td><code>{&quot;path&quot;:&quot;&quot;,&quot;worker&quot;:&quot;7&quot;}</code></td>", cells[0][3]);
        Assert.Equal("<td></td>", cells[0][4]);
        Assert.Equal("<td class=\"null\">NULL</td>", cells[0][5]);
        Assert.Equal("<td>2026-01-02 03:04:05.123456Z</td>", cells[0][6]);
        Assert.Equal($"<td class=\"num\">{Enumerable.Range(1, SqlStoreFile.Waiting).Sum() + 100}</td>", cells[0][7]);
        Assert.Equal("<td>[1, NULL, 3]</td>", cells[0][8]);
        Assert.Equal("<td>{&#39;name&#39;: &#39;x&#39;, &#39;empty&#39;: &#39;&#39;, &#39;none&#39;: NULL}</td>", cells[0][9]);
        Assert.Equal("<td>\\xAA\\x0B</td>", cells[0][10]);
        Assert.Equal("<td>01:30:00</td>", cells[0][11]);
        Assert.Equal(["TIMESTAMPTZ", "HUGEINT", "LIST", "STRUCT", "BLOB", "INTERVAL"], result.Columns.Skip(6).Select(c => c.Type));
        Assert.Contains("| NULL ", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_large_result_shows_its_first_thousand_rows_and_keeps_them_all_by_name()
    {
        using var store = new SqlStoreFile();
        using var notebook = new SqlNotebook();
        await notebook.SubmitAsync($"#!sideeye open --file {store.Path}");

        var (shown, html, text) = await notebook.TableAsync("#!sideeye-sql\nSELECT range AS i FROM range(2500)");
        Assert.Equal(2500, shown.RowCount);
        Assert.Equal(SqlKernel.ShownRows, shown.Rows.Count);
        Assert.Equal(SqlKernel.ShownRows, Cells(html).Count);
        Assert.Contains("<p>first 1,000 rows of 2,500; add --name NAME to keep them all for C# (#!share)</p>", html, StringComparison.Ordinal);
        Assert.EndsWith("\n999\nfirst 1,000 rows of 2,500; add --name NAME to keep them all for C# (#!share)", text, StringComparison.Ordinal);

        var (kept, keptHtml, _) = await notebook.TableAsync("#!sideeye-sql --name many\nSELECT range AS i FROM range(2500)");
        Assert.Equal(2500, kept.Rows.Count);
        Assert.Equal(SqlKernel.ShownRows, Cells(keptHtml).Count);
        Assert.Contains("<p>first 1,000 rows of 2,500; all are kept as many</p>", keptHtml, StringComparison.Ordinal);
        Assert.Equal(Enumerable.Range(0, 2500).Sum(i => (long)i), await notebook.ValueAsync("#!share --from sideeye-sql many\nmany.Data.Sum(row => (long)row.Single(c => c.Key == \"i\").Value)"));
    }

    [Fact]
    public async Task A_csharp_cell_receives_the_rows_of_a_named_result()
    {
        using var store = new SqlStoreFile();
        using var notebook = new SqlNotebook();
        await notebook.SubmitAsync($"#!sideeye open --file {store.Path}");
        await notebook.TableAsync("""
            #!sideeye-sql --name waiting
            SELECT goid, wait_reason, labels FROM goroutines WHERE status = 'waiting' ORDER BY goid DESC
            """);

        Assert.Equal("TabularDataResource goid,wait_reason,labels", await notebook.ValueAsync("""
            #!share --from sideeye-sql waiting
            $"{waiting.GetType().Name} {string.Join(",", waiting.Schema.Fields.Select(f => f.Name))}"
            """));
        var goids = await notebook.ValueAsync("""
            waiting.Data.Cast<IReadOnlyDictionary<string, object>>().Select(row => (long)row["goid"]).ToArray()
            """);
        Assert.Equal(Enumerable.Range(1, SqlStoreFile.Waiting).Reverse().Select(g => (long)g), (long[])goids!);
        Assert.Equal(SqlStoreFile.Waiting, await notebook.ValueAsync("""
            waiting.Data.Cast<IReadOnlyDictionary<string, object>>().Count(row => (string)row["wait_reason"] == "chan receive" && row["labels"] is null)
            """));
        Assert.Equal("goid=7 wait_reason=chan receive labels=", await notebook.ValueAsync("""
            string.Join(" ", waiting.Data.First().Select(c => $"{c.Key}={c.Value}"))
            """));

        // The kernel lists what it keeps, and a name that was never kept is an error naming the ones that are.
        var infos = await notebook.Kernel.SendAsync(new RequestValueInfos(SqlKernel.DefaultName));
        var info = Assert.Single(Assert.Single(infos.Events.OfType<ValueInfosProduced>()).ValueInfos);
        Assert.Equal(("waiting", typeof(TabularDataResource).FullName), (info.Name, info.TypeName));
        var missing = await notebook.Kernel.SendAsync(new RequestValue("nope", targetKernelName: SqlKernel.DefaultName));
        Assert.Equal("sideeye-sql: no result named nope (kept: waiting)", ExtensionKernel.Failure(missing));
    }

    [Fact]
    public async Task Values_shared_from_csharp_are_sql_variables()
    {
        using var store = new SqlStoreFile();
        using var notebook = new SqlNotebook();
        await notebook.SubmitAsync($"#!sideeye open --file {store.Path}");
        await notebook.ValueAsync("var goids = new long[] { 2, 3, 100 }; var state = \"waiting\"; var since = new DateTimeOffset(2026, 1, 2, 0, 0, 0, TimeSpan.Zero); 0");
        var (result, _, _) = await notebook.TableAsync("""
            #!sideeye-sql
            #!share --from csharp goids
            #!share --from csharp state
            #!share --from csharp since
            #!set --name pid --value 4242
            SELECT goid FROM goroutines g JOIN snapshots s USING (snapshot_id)
            WHERE list_contains(getvariable('goids'), goid) AND status = getvariable('state')
              AND s.taken_at > getvariable('since') AND pid = getvariable('pid')
            ORDER BY goid
            """);
        Assert.Equal([[2L], [3L]], result.Rows);
        // Variables last for the kernel's session, like temporary tables.
        Assert.Equal("waiting", (await notebook.TableAsync("#!sideeye-sql\nSELECT getvariable('state')")).Result.Rows[0][0]);

        await notebook.ValueAsync("var notSql = new System.Text.StringBuilder(); 0");
        // The framework turns a failed #!share into an error shown in the cell, and runs the cell's SQL all the same.
        var refused = await notebook.SubmitAsync("#!sideeye-sql\n#!share --from csharp notSql\nSELECT getvariable('notSql') AS v");
        Assert.Equal("sideeye-sql: a System.Text.StringBuilder has no SQL value; share numbers, text, booleans, times or lists of them",
            Assert.Single(refused.Events.OfType<ErrorProduced>()).Message);
        Assert.Null(((SqlResultSet)refused.Events.OfType<DisplayedValueProduced>().Single().Value).Rows[0][0]);
    }

    [Fact]
    public async Task The_json_form_of_a_result_has_hugeints_as_numbers()
    {
        using var store = new SqlStoreFile();
        using var notebook = new SqlNotebook();
        await notebook.SubmitAsync($"#!sideeye open --file {store.Path}");
        await notebook.TableAsync("#!sideeye-sql --name sums\nSELECT pid, sum(goid) AS goids, 170141183460469231731687303715884105727::HUGEINT AS big FROM goroutines GROUP BY pid");
        var json = (JsonDocument)(await notebook.ValueAsync("#!share --from sideeye-sql sums --mime-type application/json\nsums"))!;
        var row = json.RootElement.GetProperty("data")[0];
        Assert.Equal(SqlStoreFile.Pid, row.GetProperty("pid").GetInt32());
        Assert.Equal(Enumerable.Range(1, SqlStoreFile.Waiting).Sum() + 100, row.GetProperty("goids").GetInt64());
        Assert.Equal("170141183460469231731687303715884105727", row.GetProperty("big").GetRawText());
        Assert.Equal(["integer", "integer", "integer"], json.RootElement.GetProperty("schema").GetProperty("fields").EnumerateArray().Select(f => f.GetProperty("type").GetString()));
    }

    [Fact]
    public async Task Each_statement_shows_a_table_and_the_last_is_kept()
    {
        using var store = new SqlStoreFile();
        using var notebook = new SqlNotebook();
        await notebook.SubmitAsync($"#!sideeye open --file {store.Path}");
        var tables = await notebook.TablesAsync("#!sideeye-sql --name last\nSELECT 1 AS a, 2 AS a; SET threads = 1; SELECT note FROM snapshots");
        Assert.Equal(2, tables.Count);
        Assert.Equal([("a", "a"), ("a", "a (2)")], tables[0].Result.Columns.Select(c => (c.Name, c.Key)));
        Assert.Equal("first", await notebook.ValueAsync("#!share --from sideeye-sql last\n(string)last.Data.Single().Single().Value"));
    }

    [Fact]
    public async Task Temporary_tables_last_from_cell_to_cell_and_attached_files_do_not()
    {
        using var store = new SqlStoreFile();
        using var other = new SqlStoreFile(snapshots: 2);
        using var notebook = new SqlNotebook();
        await notebook.SubmitAsync($"#!sideeye open --file {store.Path}");
        await notebook.TablesAsync("#!sideeye-sql\nCREATE TEMP TABLE waiting AS SELECT goid FROM goroutines WHERE status = 'waiting'");
        Assert.Equal(SqlStoreFile.Waiting, (long)(await notebook.TableAsync("#!sideeye-sql\nSELECT count(*) FROM waiting")).Result.Rows[0][0]!);

        // Another file may be attached for one cell (comparing two postmortems) and is closed after it.
        var (compared, _, _) = await notebook.TableAsync($"""
            #!sideeye-sql
            ATTACH '{other.Path}' AS other (READ_ONLY);
            SELECT (SELECT count(*) FROM other.goroutines) - (SELECT count(*) FROM goroutines) AS more
            """);
        Assert.Equal(SqlStoreFile.Waiting + 2L, compared.Rows[0][0]);
        Assert.Equal(0, SqlStoreFile.OpenDescriptorsOn(other.Path));
        var (databases, _, _) = await notebook.TableAsync("#!sideeye-sql\nSELECT database_name, readonly FROM duckdb_databases() WHERE NOT internal ORDER BY 1");
        Assert.Equal([["memory", false], ["snapshots", true]], databases.Rows);
    }

    [Fact]
    public async Task Failures_are_one_line_and_leave_the_file_closed()
    {
        using var store = new SqlStoreFile();
        using var notebook = new SqlNotebook();
        await notebook.SubmitAsync($"#!sideeye open --file {store.Path}");

        async Task<string> Fails(string code)
        {
            var message = ExtensionKernel.Failure(await notebook.SubmitAsync(code));
            Assert.DoesNotContain('\n', message);
            Assert.Equal(0, store.OpenDescriptors());
            return message;
        }
        Assert.Equal("sideeye-sql: Parser Error: syntax error at or near \"SELEC\"", await Fails("#!sideeye-sql\nSELEC 1"));
        Assert.Equal("sideeye-sql: Catalog Error: Table with name goroutine does not exist!", await Fails("#!sideeye-sql\nSELECT * FROM goroutine"));
        Assert.Equal("sideeye-sql: Invalid Input Error: Cannot execute statement of type \"DELETE\" on database \"snapshots\" which is attached in read-only mode!",
            await Fails("#!sideeye-sql\nDELETE FROM goroutines"));
        Assert.Equal("sideeye-sql: the cell has no SQL statement to run", await Fails("#!sideeye-sql\n-- just a comment"));
        Assert.Equal("sideeye-sql: --name: '1st' is not a name a C# cell can declare", await Fails("#!sideeye-sql --name 1st\nSELECT 1"));
        Assert.Equal("sideeye-sql: --name settings: no statement of the cell returns rows", await Fails("#!sideeye-sql --name settings\nSET threads = 1"));
        Assert.Equal("sideeye-sql: DuckDB.NET cannot read column s: The list contains null value; convert it in SQL, e.g. to_json(x) or x::VARCHAR",
            await Fails("#!sideeye-sql\nSELECT {'l': [1, NULL]} AS s"));
        Assert.Equal("sideeye-sql: DuckDB.NET cannot read a column: Unrecognised type Union (28) for column u; convert it in SQL, e.g. to_json(x) or x::VARCHAR",
            await Fails("#!sideeye-sql\nSELECT union_value(k := 1) AS u"));
        // A transaction ends with its cell: one left open is rolled back (and says so), an aborted one too.
        Assert.Equal("sideeye-sql: the cell began a transaction and did not end it: it was rolled back, for the store is attached for one cell only; end it with COMMIT in the cell",
            await Fails("#!sideeye-sql\nBEGIN TRANSACTION; CREATE TEMP TABLE uncommitted AS SELECT 1 AS x"));
        Assert.Equal("sideeye-sql: Catalog Error: Table with name uncommitted does not exist!", await Fails("#!sideeye-sql\nSELECT * FROM uncommitted"));
        Assert.Equal("sideeye-sql: Catalog Error: Table with name nope does not exist!", await Fails("#!sideeye-sql\nBEGIN TRANSACTION; SELECT * FROM nope"));
        Assert.Equal([[1]], (await notebook.TableAsync("#!sideeye-sql\nBEGIN TRANSACTION; CREATE TEMP TABLE t AS SELECT 1 AS x; COMMIT; SELECT x FROM t")).Result.Rows);
        // The framework refuses an unknown or repeated option itself, and passes over a stray word or a missing value.
        Assert.Contains("'--nmae'", await Fails("#!sideeye-sql --nmae x\nSELECT 1"), StringComparison.Ordinal);
        Assert.Contains("'--name'", ExtensionKernel.Failure(await notebook.SubmitAsync("#!sideeye-sql --name a --name b\nSELECT 1")), StringComparison.Ordinal);
        Assert.Equal("sideeye-sql: unexpected 'results' after #!sideeye-sql (it takes --name NAME, --table TABLE, --description DESCRIPTION)", await Fails("#!sideeye-sql results\nSELECT 1"));
        Assert.Equal("sideeye-sql: --name needs a value", await Fails("#!sideeye-sql --name\nSELECT 1"));
        Assert.Equal("sideeye-sql: --name: '\"a b\"' is not a name a C# cell can declare", await Fails("#!sideeye-sql --name \"a b\"\nSELECT 1"));

        // Nothing holds the file: the store can be opened for writing and the next cell sees what was written.
        using (var writer = SnapshotStore.Open(store.Path)) writer.Append(SqlStoreFile.Snapshot(1));
        Assert.Equal(2L, (await notebook.TableAsync("#!sideeye-sql\nSELECT count(*) FROM snapshots")).Result.Rows[0][0]);
        Assert.Equal(0, store.OpenDescriptors());

        File.Delete(store.Path);
        Assert.Equal($"sideeye-sql: {store.Path}: no such file; take a snapshot with #!sideeye snapshot, or open a saved file with #!sideeye open --file FILE",
            await Fails("#!sideeye-sql\nSELECT 1"));
    }

    [Fact]
    public async Task A_cancelled_cell_stops_its_query_and_closes_the_file()
    {
        using var store = new SqlStoreFile();
        using var notebook = new SqlNotebook();
        await notebook.SubmitAsync($"#!sideeye open --file {store.Path}");
        // Hours of counting, unless interrupted.
        var running = notebook.SubmitAsync("#!sideeye-sql\nSELECT count(*) FROM range(1000000000000) a, goroutines g");
        await Task.Delay(TimeSpan.FromMilliseconds(500));
        await notebook.Kernel.SendAsync(new Cancel());
        var result = await running.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Single(result.Events.OfType<CommandFailed>());
        // The framework fails the cell at once; the interrupted query then lets go of the file.
        var stopped = System.Diagnostics.Stopwatch.StartNew();
        while (store.OpenDescriptors() > 0 && stopped.Elapsed < TimeSpan.FromSeconds(20)) await Task.Delay(50);
        Assert.Equal(0, store.OpenDescriptors());
        Assert.Equal(1L, (await notebook.TableAsync("#!sideeye-sql\nSELECT count(*) FROM snapshots")).Result.Rows[0][0]);
    }

    [Fact]
    public async Task A_store_held_open_for_writing_in_the_process_stays_read_only_to_the_cell()
    {
        using var store = new SqlStoreFile();
        using var notebook = new SqlNotebook();
        await notebook.SubmitAsync($"#!sideeye open --file {store.Path}");
        // DuckDB.NET would hand a connection to this file the writable instance, whatever its access mode.
        using var writer = SnapshotStore.Open(store.Path);
        Assert.Contains("attached in read-only mode", ExtensionKernel.Failure(await notebook.SubmitAsync("#!sideeye-sql\nDELETE FROM goroutines")), StringComparison.Ordinal);
        Assert.Equal(SqlStoreFile.Waiting + 1L, (await notebook.TableAsync("#!sideeye-sql\nSELECT count(*) FROM goroutines")).Result.Rows[0][0]);
        Assert.Equal(SqlStoreFile.Waiting + 1L, writer.Query("SELECT count(*) AS n FROM goroutines")[0, "n"]);
    }

    [Fact]
    public async Task Connect_adds_a_kernel_over_a_second_file()
    {
        using var before = new SqlStoreFile(snapshots: 1);
        using var after = new SqlStoreFile(snapshots: 2);
        using var notebook = new SqlNotebook();
        await notebook.SubmitAsync($"#!sideeye open --file {after.Path}");
        var connected = await notebook.SubmitAsync($"#!connect sideeye --kernel-name before --db {before.Path}");
        Assert.Empty(connected.Events.OfType<CommandFailed>());
        Assert.Equal(0, before.OpenDescriptors());

        const string Count = "SELECT count(*) AS n FROM goroutines";
        Assert.Equal((long)SqlStoreFile.Waiting + 1, (await notebook.TableAsync($"#!before --name counted\n{Count}")).Result.Rows[0][0]);
        Assert.Equal(2L * SqlStoreFile.Waiting + 3, (await notebook.TableAsync($"#!sideeye-sql\n{Count}")).Result.Rows[0][0]);
        Assert.Equal((long)SqlStoreFile.Waiting + 1, await notebook.ValueAsync("#!share --from before counted\n(long)counted.Data.Single().Single().Value"));
        Assert.Equal("before: Invalid Input Error: Cannot execute statement of type \"DROP\" on database \"snapshots\" which is attached in read-only mode!",
            ExtensionKernel.Failure(await notebook.SubmitAsync("#!before\nDROP TABLE goroutines")));

        // A relative --db points into the notebook's directory, as #!sideeye's --db and --file do.
        using var elsewhere = new SqlNotebook(Path.GetDirectoryName(before.Path));
        Assert.Empty((await elsewhere.SubmitAsync($"#!connect sideeye --kernel-name near --db {Path.GetFileName(before.Path)}")).Events.OfType<CommandFailed>());
        Assert.Equal((long)SqlStoreFile.Waiting + 1, (await elsewhere.TableAsync($"#!near\n{Count}")).Result.Rows[0][0]);

        Assert.Equal($"#!connect sideeye: {before.Path}.missing: no such file",
            ExtensionKernel.Failure(await notebook.SubmitAsync($"#!connect sideeye --kernel-name gone --db {before.Path}.missing")));
        Assert.Contains("'before' is already in use", ExtensionKernel.Failure(await notebook.SubmitAsync($"#!connect sideeye --kernel-name before --db {after.Path}")), StringComparison.Ordinal);
    }

    [Fact]
    public void The_sql_kernel_is_added_to_a_composite_once_and_to_nothing_else()
    {
        using var notebook = new SqlNotebook();
        SqlKernel.AddTo(notebook.Kernel, new NotebookSession(Environment.CurrentDirectory));
        var sql = Assert.Single(notebook.Kernel.ChildKernels, k => k.Name == SqlKernel.DefaultName);
        Assert.Equal("SQL", sql.KernelInfo.LanguageName);

        using var alone = new CSharpKernel();
        SideEyeExtension.Load(alone);
        Assert.Null(alone.ParentKernel);
    }

    /// <summary>The cells of each row of the table's body, as HTML.</summary>
    static List<string[]> Cells(string html) =>
        BodyRow().Matches(html[html.IndexOf("<tbody>", StringComparison.Ordinal)..])
            .Select(row => Cell().Matches(row.Groups[1].Value).Select(c => c.Value).ToArray()).ToList();

    [GeneratedRegex("<tr>(.*?)</tr>", RegexOptions.Singleline)]
    private static partial Regex BodyRow();

    [GeneratedRegex("<td[^>]*>.*?</td>", RegexOptions.Singleline)]
    private static partial Regex Cell();
}
