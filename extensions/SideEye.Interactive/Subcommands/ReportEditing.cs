using System.Text.RegularExpressions;
using SideEye.Interactive.Directives;
using SideEye.Probes.Specs;
using SideEye.Snapshots.Reports;
using SideEye.Snapshots.Store;

namespace SideEye.Interactive.Subcommands;

/// <summary>
/// #!sideeye column, table and link: edit the spec's reports from cells. Each edit is tried on the session's store (the
/// opened file, else the default one) before it is kept: a part that cannot be applied there fails the cell with its
/// line and the spec stays as it was. Kept edits are saved at once to the spec file next to the notebook, and every SQL
/// cell sees them from the next cell on. SQL is everything after " = " on the line, verbatim.
/// </summary>
static partial class ReportEditing
{
    public static string Column(NotebookSession session, ColumnCommand command, IReadOnlyList<string> words, string line)
    {
        var positional = SubmittedText.Positional(words, new HashSet<string> { "--type", "--exe" }, stopAt: "=");
        if (positional.Count < 2) throw new SideEyeException("column needs FUNC NAME = SQL (e.g. #!sideeye column main.(*server).handle id = \"req.ID\"::BIGINT)");
        var (function, name) = (positional[0], positional[1]);
        var spec = session.Spec;
        if (command.Remove)
        {
            if (!spec.Reports.Columns.Any(c => c.Function == function && string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase)))
                throw new SideEyeException($"column --remove: the spec has no column {name} on {function}");
            return Keep(session, spec with { Reports = spec.Reports.WithoutColumn(function, name) }, null, $"column {name} of {function} removed");
        }
        var binary = command.Exe ?? spec.Programs.FirstOrDefault(p => p.Functions.Any(f => f.Function == function))?.Binary
            ?? throw new SideEyeException($"column: the spec captures nothing in {function}; capture something there first (#!sideeye capture {function} EXPR…)");
        ReportColumnType? type = command.Type is { } t
            ? Enum.GetValues<ReportColumnType>().FirstOrDefault(v => CaptureSpecFile.TypeName(v) == t) is var parsed && CaptureSpecFile.TypeName(parsed) == t ? parsed
                : throw new SideEyeException($"column --type: '{t}' is not a column type ({string.Join(", ", Enum.GetValues<ReportColumnType>().Select(CaptureSpecFile.TypeName))})")
            : null;
        var column = new ReportColumn(binary, function, name, Sql(line, "column"), type, "");
        return Keep(session, spec with { Reports = spec.Reports.WithColumn(column) }, c => c.Columns.FirstOrDefault(x => x.Function == function && x.Name == name)?.Place,
            $"column {name} on {function}");
    }

    public static string Table(NotebookSession session, TableCommand command, IReadOnlyList<string> words, string line)
    {
        var positional = SubmittedText.Positional(words, new HashSet<string> { "--description" }, stopAt: "=");
        if (positional.Count < 1) throw new SideEyeException("table needs NAME = SQL (e.g. #!sideeye table inflight = SELECT goid, id FROM main_server_handle)");
        var name = positional[0];
        var spec = session.Spec;
        if (command.Remove)
        {
            if (!spec.Reports.Tables.Any(x => string.Equals(x.Name, name, StringComparison.OrdinalIgnoreCase))) throw new SideEyeException($"table --remove: the spec has no table {name}");
            return Keep(session, spec with { Reports = spec.Reports.WithoutTable(name) }, null, $"table {name} removed");
        }
        return KeepTable(session, name, command.Description, Sql(line, "table"));
    }

    /// <summary>Adds or replaces the spec's table <paramref name="name"/>, tried on the store first (also for a SQL cell's --table).</summary>
    public static string KeepTable(NotebookSession session, string name, string? description, string sql)
    {
        var spec = session.Spec;
        var table = new ReportTable(name, description, sql, "");
        return Keep(session, spec with { Reports = spec.Reports.WithTable(table) }, c => c.Tables.FirstOrDefault(x => x.Name == name)?.Place, $"table {name}");
    }

    public static string Link(NotebookSession session, LinkCommand command, IReadOnlyList<string> words)
    {
        var positional = SubmittedText.Positional(words, new HashSet<string>());
        var spec = session.Spec;
        if (command.Remove)
        {
            if (positional.Count != 1 || !spec.Reports.Links.Any(l => string.Equals(l.Name, positional[0], StringComparison.OrdinalIgnoreCase)))
                throw new SideEyeException($"link --remove: the spec has no link {(positional.Count > 0 ? positional[0] : "(no name given)")}");
            return Keep(session, spec with { Reports = spec.Reports.WithoutLink(positional[0]) }, null, $"link {positional[0]} removed");
        }
        if (positional.Count != 3) throw new SideEyeException("link needs NAME FROM(COLUMN,…) TO(COLUMN,…) (e.g. #!sideeye link request inflight(id) backend(request_id))");
        var link = new ReportLink(positional[0], End(positional[1]), End(positional[2]), "");
        if (link.From.Columns.Count != link.To.Columns.Count) throw new SideEyeException($"link {link.Name}: {link.From.Columns.Count} columns from and {link.To.Columns.Count} to: a link pairs them one to one");
        return Keep(session, spec with { Reports = spec.Reports.WithLink(link) }, c => c.Links.FirstOrDefault(x => x.Name == link.Name)?.Place, $"link {link.Name}");
    }

    /// <summary>
    /// Saves the edited spec (read back from its JSON, so every part has its place in the file), after trying it on the
    /// session's store: the edited part must apply there. Without a store yet, it is kept unchecked, and said so.
    /// </summary>
    static string Keep(NotebookSession session, CaptureSpec edited, Func<ReportSpec, string?>? placeOf, string what)
    {
        var reread = CaptureSpecFile.Parse(CaptureSpecFile.ToJson(edited), session.SpecPath);
        var database = session.Resolve(null);
        var checkedAgainst = "";
        if (File.Exists(database) && placeOf?.Invoke(reread.Reports) is { } place)
        {
            using var store = SnapshotStore.OpenReadOnly(database);
            if (ReportViews.Apply(store, reread.Reports).Problems.FirstOrDefault(p => p.Place == place) is { } problem)
                throw new SideEyeException($"{what}: {problem.Why} (tried on {database}; the spec is unchanged)");
            checkedAgainst = $", tried on {database}";
        }
        else if (placeOf is not null) checkedAgainst = $", not tried: {database} does not exist yet";
        session.SaveSpec(reread);
        return $"{what} kept in {session.SpecPath}{checkedAgainst}";
    }

    /// <summary>Everything after " = " on the line, verbatim.</summary>
    static string Sql(string line, string subcommand)
    {
        var at = line.IndexOf(" = ", StringComparison.Ordinal);
        var sql = at < 0 ? "" : line[(at + 3)..].Trim();
        return sql.Length > 0 ? sql : throw new SideEyeException($"{subcommand}: the SQL goes after \" = \" on the line");
    }

    static LinkEnd End(string word) =>
        LinkEndPattern().Match(word) is { Success: true } m
            ? new LinkEnd(m.Groups[1].Value, m.Groups[2].Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            : throw new SideEyeException($"link: '{word}' is not TABLE(COLUMN,…)");

    [GeneratedRegex(@"^([A-Za-z_][A-Za-z0-9_]*)\(([^()]+)\)$")]
    private static partial Regex LinkEndPattern();
}
