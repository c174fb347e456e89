using System.CommandLine;
using SideEye.Probes.Specs;
using SideEye.Snapshots.Reports;
using SideEye.Snapshots.Store;

namespace SideEye.Cli.Commands;

/// <summary>
/// --spec SPEC for commands that read a store: the spec's reports (extra columns, derived tables, links) applied to the
/// session as views, after the built-in ones. A part that cannot be applied is a warning line naming its place; the rest is applied.
/// </summary>
static class ReportSpecOption
{
    public static Option<string?> Create() => new("--spec")
    {
        Description = "a spec (JSON, version 2) whose columns, tables and links apply to every stored snapshot in this session",
    };

    /// <summary>Applies the spec named by <paramref name="option"/>, if any, printing a warning for each part that could not be applied.</summary>
    public static AppliedReports Apply(ParseResult parse, Option<string?> option, SnapshotStore store, TextWriter stderr)
    {
        // Without a spec the built-in reports (http_client_calls, …) are still made.
        var reports = parse.GetValue(option) is { } path ? CaptureSpecFile.Load(path).Reports : ReportSpec.Empty;
        var applied = ReportViews.Apply(store, reports);
        foreach (var problem in applied.Problems) stderr.WriteLine($"sideeye: warning: {problem}");
        return applied;
    }
}
