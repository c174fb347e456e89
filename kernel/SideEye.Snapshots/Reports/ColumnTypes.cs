using SideEye.Probes.Specs;

namespace SideEye.Snapshots.Reports;

/// <summary>A typed column's SQL: the spec's expression wrapped so the column comes out as the DuckDB type its type names.</summary>
static class ColumnTypes
{
    public static string Wrap(string sql, ReportColumnType? type) => type switch
    {
        null => $"({sql})",
        // Exact to the microsecond (DuckDB's precision), in UTC whatever the session's time zone.
        ReportColumnType.TimestampNs => $"('epoch'::TIMESTAMPTZ + to_microseconds(TRY_CAST(({sql}) AS BIGINT) // 1000))",
        ReportColumnType.Timestamp => $"TRY_CAST(({sql}) AS TIMESTAMPTZ)",
        ReportColumnType.DurationNs => $"to_microseconds(TRY_CAST(({sql}) AS BIGINT) // 1000)",
        ReportColumnType.Bytes or ReportColumnType.Bigint => $"TRY_CAST(({sql}) AS BIGINT)",
        ReportColumnType.Double => $"TRY_CAST(({sql}) AS DOUBLE)",
        ReportColumnType.Varchar => $"TRY_CAST(({sql}) AS VARCHAR)",
        ReportColumnType.Boolean => $"TRY_CAST(({sql}) AS BOOLEAN)",
        ReportColumnType.Json => $"TRY_CAST(({sql}) AS JSON)",
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };
}
