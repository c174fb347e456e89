using SideEye.Probes.Specs;

namespace SideEye.Snapshots.Reports;

/// <summary>
/// What a spec's reports became in one SQL session: the function tables that gained columns, the derived tables that
/// can be queried, the links whose tables and columns exist, and one problem for each part that could not be applied
/// (the others are applied all the same).
/// </summary>
public sealed record AppliedReports(
    IReadOnlyList<string> ExtendedTables,
    IReadOnlyList<ReportTable> Tables,
    IReadOnlyList<ReportLink> Links,
    IReadOnlyList<ReportProblem> Problems)
{
    public static AppliedReports None { get; } = new([], [], [], []);
}
