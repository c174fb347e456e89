using System.Collections.Concurrent;
using System.Data.Common;
using System.Reflection;
using DuckDB.NET.Native;

namespace SideEye.Interactive.Sql;

/// <summary>
/// Reads one column's values as .NET values that outlive the row and hold every SQL value: TIMESTAMPTZ is a
/// <see cref="DateTimeOffset"/> at UTC (DuckDB.NET reads it as a DateTime of unspecified kind), BLOB a byte array
/// (DuckDB.NET's stream dies with the row), INTERVAL a <see cref="TimeSpan"/> unless it counts months (then
/// DuckDB.NET's <see cref="DuckDBInterval"/>), and lists and maps of value types hold nullable elements:
/// DuckDB.NET reads <c>[1, NULL]</c> into a List&lt;int&gt; by default and throws.
/// </summary>
static class SqlColumnReader
{
    /// <summary>DuckDB.NET's type names that are not simply the SQL keyword in upper case.</summary>
    static readonly Dictionary<string, string> SqlNames = new(StringComparer.Ordinal)
    {
        ["UnsignedTinyInt"] = "UTINYINT",
        ["UnsignedSmallInt"] = "USMALLINT",
        ["UnsignedInteger"] = "UINTEGER",
        ["UnsignedBigInt"] = "UBIGINT",
        ["UnsignedHugeInt"] = "UHUGEINT",
        ["TimestampS"] = "TIMESTAMP_S",
        ["TimestampMs"] = "TIMESTAMP_MS",
        ["TimestampNs"] = "TIMESTAMP_NS",
    };

    static readonly ConcurrentDictionary<Type, Func<DbDataReader, int, object?>> TypedReaders = new();

    public static (SqlColumn Column, Func<DbDataReader, int, object?> Read) For(DbDataReader reader, int ordinal, string key)
    {
        var duckType = reader.GetDataTypeName(ordinal);
        var clrType = reader.GetFieldType(ordinal);
        var sqlType = SqlNames.TryGetValue(duckType, out var name) ? name : duckType.ToUpperInvariant();
        return duckType switch
        {
            "TimestampTz" => (Column(typeof(DateTimeOffset)), (r, i) => new DateTimeOffset(DateTime.SpecifyKind(r.GetDateTime(i), DateTimeKind.Utc))),
            "Blob" => (Column(typeof(byte[])), (r, i) => ReadAll(r.GetStream(i))),
            "Interval" => (Column(typeof(object)), (r, i) => Interval((DuckDBInterval)r.GetProviderSpecificValue(i))),
            "List" or "Array" or "Map" when NullSafe(clrType) is var safe && safe != clrType => (Column(safe), TypedReaders.GetOrAdd(safe, MakeTypedReader)),
            _ => (Column(clrType), (r, i) => r.GetValue(i)),
        };

        SqlColumn Column(Type valueType) => new(reader.GetName(ordinal), key, sqlType, valueType);
    }

    /// <summary>The type with every value-type element of a list or map made nullable.</summary>
    static Type NullSafe(Type type)
    {
        if (type.IsValueType) return Nullable.GetUnderlyingType(type) is null ? typeof(Nullable<>).MakeGenericType(type) : type;
        if (!type.IsGenericType) return type;
        var definition = type.GetGenericTypeDefinition();
        var arguments = type.GetGenericArguments();
        if (definition == typeof(List<>)) return typeof(List<>).MakeGenericType(NullSafe(arguments[0]));
        // Keys stay as they are: DuckDB map keys cannot be NULL.
        if (definition == typeof(Dictionary<,>)) return typeof(Dictionary<,>).MakeGenericType(arguments[0], NullSafe(arguments[1]));
        return type;
    }

    static Func<DbDataReader, int, object?> MakeTypedReader(Type type) =>
        typeof(SqlColumnReader).GetMethod(nameof(ReadAs), BindingFlags.NonPublic | BindingFlags.Static)!
            .MakeGenericMethod(type).CreateDelegate<Func<DbDataReader, int, object?>>();

    static object? ReadAs<T>(DbDataReader reader, int ordinal) => reader.GetFieldValue<T>(ordinal);

    static object Interval(DuckDBInterval interval) =>
        // Cast each way: DuckDBInterval converts from TimeSpan implicitly, and would win the conditional's type.
        interval.Months == 0 ? (object)(TimeSpan.FromDays(interval.Days) + TimeSpan.FromMicroseconds(unchecked((long)interval.Micros))) : (object)interval;

    static byte[] ReadAll(Stream stream)
    {
        using (stream)
        {
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            return copy.ToArray();
        }
    }
}
