using System.Numerics;
using Microsoft.DotNet.Interactive.Formatting.TabularData;

namespace SideEye.Interactive.Sql;

/// <summary>
/// A result set as the value a C# cell receives (#!share): .NET Interactive's own table type, the one its SQL
/// kernels share, so the C# kernel can declare it without a reference to this extension, other kernels get it as
/// table-schema JSON, and code written for those kernels' results works on ours. Each row is an
/// IReadOnlyDictionary&lt;string, object?&gt; in column order, keyed by <see cref="SqlColumn.Key"/> (<see cref="SqlRow"/>).
/// </summary>
static class SqlTabular
{
    public static TabularDataResource Of(SqlResultSet result)
    {
        var schema = new TableSchema();
        foreach (var c in result.Columns) schema.Fields.Add(new TableSchemaFieldDescriptor(c.Key, FieldType(c.ValueType)));
        var keys = result.Columns.Select(c => c.Key).ToArray();
        var index = new Dictionary<string, int>(keys.Length, StringComparer.Ordinal);
        for (var i = 0; i < keys.Length; i++) index[keys[i]] = i;
        var rows = new SqlRow[result.Rows.Count];
        for (var r = 0; r < rows.Length; r++) rows[r] = new SqlRow(index, keys, result.Rows[r]);
        return new TabularDataResource(schema, rows!);
    }

    static TableSchemaFieldType FieldType(Type type) => type switch
    {
        _ when type == typeof(BigInteger) => TableSchemaFieldType.Integer,
        _ when type == typeof(DateTimeOffset) || type == typeof(DateTime) || type == typeof(DateOnly) => TableSchemaFieldType.DateTime,
        _ when type == typeof(Guid) => TableSchemaFieldType.String,
        _ when type.IsGenericType && type.GetGenericTypeDefinition() == typeof(List<>) => TableSchemaFieldType.Array,
        _ when type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Dictionary<,>) => TableSchemaFieldType.Object,
        _ => type.ToTableSchemaFieldType(),
    };
}
