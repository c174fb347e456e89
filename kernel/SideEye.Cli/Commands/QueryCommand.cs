using System.CommandLine;
using SideEye.Snapshots.Store;

namespace SideEye.Cli.Commands;

/// <summary>
/// sideeye query FILE.duckdb "SQL" [--spec SPEC]: runs SQL over stored snapshots and prints CSV with a header line; with
/// a spec, its extra columns, derived tables and links are there to query, over every snapshot in the file.
/// </summary>
public static class QueryCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var file = new Argument<string>("file") { Description = "snapshot store (a DuckDB file written by sideeye snapshot)" };
        var sql = new Argument<string>("sql") { Description = "the query, e.g. \"SELECT status, count(*) FROM goroutines GROUP BY ALL\"" };
        var spec = ReportSpecOption.Create();
        var command = new Command("query", "run SQL over stored snapshots; prints CSV") { file, sql, spec };
        command.SetAction(parse =>
        {
            using var store = SnapshotStore.OpenReadOnly(parse.GetValue(file)!);
            ReportSpecOption.Apply(parse, spec, store, stderr);
            store.QueryCsv(parse.GetValue(sql)!, stdout);
            return 0;
        });
        return command;
    }
}
