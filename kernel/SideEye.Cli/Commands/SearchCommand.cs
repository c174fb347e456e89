using System.CommandLine;
using SideEye.Snapshots.Analysis;
using SideEye.Snapshots.Store;

namespace SideEye.Cli.Commands;

/// <summary>
/// sideeye search FILE.duckdb TEXT [--snapshot ID]: every captured value of a snapshot (the latest by default) that holds
/// TEXT, case-insensitively, one line each: host, pid, goroutine, frame depth, function, expression and the part of the
/// value around the match; exit 1 when nothing holds it.
/// </summary>
public static class SearchCommand
{
    public static Command Create(TextWriter stdout)
    {
        var file = new Argument<string>("file") { Description = "snapshot store (a DuckDB file written by sideeye snapshot)" };
        var text = new Argument<string>("text") { Description = "what to look for in the captured values, e.g. a request id" };
        var snapshot = new Option<long?>("--snapshot") { Description = "snapshot id (default the latest)" };
        var command = new Command("search", "find a text in a snapshot's captured values: which goroutines and frames hold it") { file, text, snapshot };
        command.SetAction(parse =>
        {
            using var store = SnapshotStore.OpenReadOnly(parse.GetValue(file)!);
            var matches = ValueSearch.Find(store, parse.GetValue(text)!, parse.GetValue(snapshot));
            foreach (var m in matches)
                stdout.WriteLine($"{m.Host}\t{m.Pid}\tgoroutine {m.Goid}\tframe {m.Depth}\t{m.Function}\t{m.Expression}\t{m.Excerpt}");
            stdout.WriteLine(matches.Count == 0 ? "no captured value holds it" : $"{matches.Count} values in {matches.Select(m => (m.Host, m.Pid, m.Goid)).Distinct().Count()} goroutines");
            return matches.Count == 0 ? CliApp.ExitError : 0;
        });
        return command;
    }
}
