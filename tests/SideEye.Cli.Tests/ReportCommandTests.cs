using SideEye.Snapshots.Model;
using SideEye.Snapshots.Store;

namespace SideEye.Cli.Tests;

/// <summary>
/// sideeye report, query --spec and spec check --store over a store: the spec's columns and tables over every stored
/// snapshot, --where narrowing a report to processes, and a bad part one warning or error line naming its place.
/// </summary>
public sealed class ReportCommandTests : IDisposable
{
    readonly string _folder = Directory.CreateTempSubdirectory("sideeye-report-").FullName;
    string Store => Path.Combine(_folder, "s.duckdb");
    string SpecFile => Path.Combine(_folder, "team.json");

    const string Spec = """
        { "version": 2,
          "programs": [ { "binary": "app", "functions": [ { "function": "main.work", "capture": ["n"],
              "columns": [ { "name": "twice", "sql": "\"n\"::BIGINT * 2", "type": "bigint" } ] } ] } ],
          "tables": [ { "name": "busy", "description": "work with n over 10", "sql": "SELECT snapshot_id, host, pid, goid, twice FROM main_work WHERE twice > 20 ORDER BY pid, goid" } ],
          "links": [ { "name": "g", "from": { "table": "busy", "columns": ["goid"] }, "to": { "table": "goroutines", "columns": ["goid"] } } ] }
        """;

    public ReportCommandTests()
    {
        var frames = new[] { new StackFrame(0x401000, "main.work", "/src/main.go", 12, false) };
        ProcessSnapshot Process(int pid, string host, params (long Goid, int N)[] work) =>
            new(pid, host, "/bin/app", "go1.26.10", 1000, 2000, false, null,
                work.Select(w => new GoroutineRecord(w.Goid, "waiting", "chan receive", null, null, null, null, "main.work", frames, null)).ToArray(),
                Captures: work.Select(w => new CapturedValue(w.Goid, 0, "main.work", "n", "int", w.N.ToString(System.Globalization.CultureInfo.InvariantCulture), null)).ToArray(),
                Requested: [new Probes.Specs.FunctionCapture("main.work", ["n"])])
            { Host = host };
        using (var store = SnapshotStore.Open(Store))
        {
            // An older snapshot, then a newer one of two machines: the spec applies to all of them.
            store.Append(new Snapshot(0, DateTimeOffset.UtcNow, null, [Process(7, "a", (1, 5), (2, 30))]));
            store.Append(new Snapshot(0, DateTimeOffset.UtcNow, null, [Process(7, "a", (1, 11)), Process(9, "b", (3, 40))]));
        }
        File.WriteAllText(SpecFile, Spec);
    }

    [Fact]
    public void A_report_covers_every_snapshot_and_where_narrows_it()
    {
        var all = CliRunner.Run("report", Store, "--spec", SpecFile, "busy");
        Assert.True(all.ExitCode == 0, all.Stderr);
        Assert.Equal(["snapshot_id,host,pid,goid,twice", "2,a,7,1,22", "1,a,7,2,60", "2,b,9,3,80"], all.StdoutLines); // the report's own order
        var onB = CliRunner.Run("report", Store, "--spec", SpecFile, "busy", "--where", "host=b");
        Assert.Equal(["snapshot_id,host,pid,goid,twice", "2,b,9,3,80"], onB.StdoutLines);
        var query = CliRunner.Run("query", Store, "--spec", SpecFile, "SELECT sum(twice)::BIGINT FROM main_work");
        Assert.Equal(["CAST(sum(twice) AS BIGINT)", "172"], query.StdoutLines);
        Assert.Empty(query.Stderr);
    }

    [Fact]
    public void Spec_check_tries_the_reports_on_the_store_and_a_bad_part_is_one_line()
    {
        var good = CliRunner.Run("spec", "check", SpecFile, "--store", Store);
        Assert.Equal(0, good.ExitCode);
        Assert.Equal([$"1 columns, 1 tables, 1 links ok on {Store}"], good.StdoutLines);

        File.WriteAllText(SpecFile, Spec.Replace("twice > 20", "thrice > 20", StringComparison.Ordinal));
        var bad = CliRunner.Run("spec", "check", SpecFile, "--store", Store);
        Assert.Equal(CliApp.ExitError, bad.ExitCode);
        Assert.StartsWith($"error: {SpecFile}: tables[0]: Binder Error: Referenced column \"thrice\" not found", bad.StdoutLines[0]);
        Assert.StartsWith($"error: {SpecFile}: links[0]: from: no table or view \"busy\"", bad.StdoutLines[1]);
        Assert.Equal($"2 of 3 columns, tables and links cannot be applied to {Store}", bad.StdoutLines[2]);
        // The query still runs, with a warning line for each part left out; a report that could not be made is one error line.
        var query = CliRunner.Run("query", Store, "--spec", SpecFile, "SELECT count(twice) FROM main_work");
        Assert.Equal(0, query.ExitCode);
        Assert.Equal(2, query.StderrLines.Length);
        Assert.All(query.StderrLines, l => Assert.StartsWith($"sideeye: warning: {SpecFile}: ", l));
        var report = CliRunner.Run("report", Store, "--spec", SpecFile, "busy");
        Assert.Equal(CliApp.ExitError, report.ExitCode);
        Assert.Equal($"sideeye: {SpecFile}: no report \"busy\" could be made (the spec defines none that works here)", report.StderrLines[^1]);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
