using System.CommandLine;
using SideEye.Snapshots.Store;

namespace SideEye.Cli.Commands;

/// <summary>sideeye query FILE.duckdb "SQL": runs SQL over stored snapshots and prints CSV with a header line.</summary>
public static class QueryCommand
{
    public static Command Create(TextWriter stdout)
    {
        var file = new Argument<string>("file") { Description = "snapshot store (a DuckDB file written by sideeye snapshot)" };
        var sql = new Argument<string>("sql") { Description = "the query, e.g. \"SELECT status, count(*) FROM goroutines GROUP BY ALL\"" };
        var command = new Command("query", "run SQL over stored snapshots; prints CSV") { file, sql };
        command.SetAction(parse =>
        {
            using var store = SnapshotStore.OpenReadOnly(parse.GetValue(file)!);
            store.QueryCsv(parse.GetValue(sql)!, stdout);
            return 0;
        });
        return command;
    }
}
