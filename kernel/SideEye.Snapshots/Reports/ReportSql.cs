using SideEye.Snapshots.Store;

namespace SideEye.Snapshots.Reports;

/// <summary>
/// A DuckDB session that a spec's reports are applied to: the store's name for messages, the catalog it is attached
/// as, and how to run a statement there (failing with <see cref="SnapshotStoreException"/>, DuckDB's message its problem).
/// </summary>
public sealed record ReportSql(string Name, string Catalog, Func<string, QueryResult> Query);
