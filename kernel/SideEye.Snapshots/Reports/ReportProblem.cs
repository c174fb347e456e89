namespace SideEye.Snapshots.Reports;

/// <summary>Why one part of a spec's reports could not be applied to a store: the place in the spec file, and why (DuckDB's own words for SQL).</summary>
public sealed record ReportProblem(string Place, string Why)
{
    public override string ToString() => $"{Place}: {Why}";
}
