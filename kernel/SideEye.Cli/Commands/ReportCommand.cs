using System.CommandLine;
using SideEye.Snapshots.Selection;
using SideEye.Snapshots.Store;

namespace SideEye.Cli.Commands;

/// <summary>
/// sideeye report FILE.duckdb --spec SPEC NAME [--where SELECTOR …]: prints one of the spec's derived tables as CSV, over
/// every stored snapshot; with --where, only its rows of matching processes (the table must then have the columns
/// snapshot_id, host and pid).
/// </summary>
public static class ReportCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var file = new Argument<string>("file") { Description = "snapshot store (a DuckDB file written by sideeye snapshot)" };
        var name = new Argument<string>("name") { Description = "a table the spec's \"tables\" defines" };
        var spec = ReportSpecOption.Create();
        spec.Required = true;
        var where = WhereOption.Create();
        var command = new Command("report", "print a report (a derived table of the spec) over stored snapshots; prints CSV") { file, name, spec, where };
        command.SetAction(parse =>
        {
            using var store = SnapshotStore.OpenReadOnly(parse.GetValue(file)!);
            var applied = ReportSpecOption.Apply(parse, spec, store, stderr);
            var wanted = parse.GetValue(name)!;
            if (applied.Tables.FirstOrDefault(t => string.Equals(t.Name, wanted, StringComparison.OrdinalIgnoreCase)) is not { } table)
            {
                var known = applied.Tables.Select(t => t.Name).ToArray();
                throw new SideEyeException($"{parse.GetValue(spec)}: no report \"{wanted}\" could be made" +
                    (known.Length > 0 ? $" (reports: {string.Join(", ", known)})" : " (the spec defines none that works here)"));
            }
            var selectors = Selector.ParseAll(parse.GetValue(where) ?? []);
            var sql = $"SELECT * FROM \"{table.Name}\" r";
            if (selectors.Count > 0)
                sql += $" WHERE EXISTS (SELECT 1 FROM processes p WHERE p.snapshot_id = r.snapshot_id AND p.host = r.host AND p.pid = r.pid AND {string.Join(" AND ", selectors.Select(s => s.ToSql()))})";
            store.QueryCsv(sql, stdout);
            return 0;
        });
        return command;
    }
}
