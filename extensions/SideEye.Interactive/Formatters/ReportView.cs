using SideEye.Snapshots.Reports;

namespace SideEye.Interactive.Formatters;

/// <summary>What #!sideeye report returns: a derived table of the spec, read from a stored snapshot.</summary>
public sealed record ReportView(string Database, ReportRows Report);
