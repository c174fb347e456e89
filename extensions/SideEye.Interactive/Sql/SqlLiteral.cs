using System.Collections;
using System.Globalization;
using System.Numerics;

namespace SideEye.Interactive.Sql;

/// <summary>
/// A .NET value shared into a SQL kernel (#!share, #!set) as a DuckDB literal, for SET VARIABLE: numbers, text,
/// booleans, times, GUIDs, and lists of them. Anything else has no SQL value and is refused, naming its type.
/// </summary>
static class SqlLiteral
{
    public static string Of(object? value) => value switch
    {
        null => "NULL",
        string s => Quote(s),
        char c => Quote(c.ToString()),
        bool b => b ? "true" : "false",
        double d when !double.IsFinite(d) => Quote(d.ToString(CultureInfo.InvariantCulture)) + "::DOUBLE",
        float f when !float.IsFinite(f) => Quote(f.ToString(CultureInfo.InvariantCulture)) + "::FLOAT",
        double d => d.ToString("R", CultureInfo.InvariantCulture) + "::DOUBLE",
        float f => f.ToString("R", CultureInfo.InvariantCulture) + "::FLOAT",
        decimal m => m.ToString(CultureInfo.InvariantCulture),
        sbyte or byte or short or ushort or int or uint or long or ulong => Convert.ToString(value, CultureInfo.InvariantCulture)!,
        BigInteger n => n.ToString(CultureInfo.InvariantCulture),
        DateTimeOffset d => "TIMESTAMPTZ " + Quote(d.ToString("yyyy-MM-dd HH:mm:ss.ffffffzzz", CultureInfo.InvariantCulture)),
        DateTime d => "TIMESTAMP " + Quote(d.ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture)),
        DateOnly d => "DATE " + Quote(d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)),
        Guid g => "UUID " + Quote(g.ToString()),
        IEnumerable list and not IDictionary => "[" + string.Join(", ", list.Cast<object?>().Select(Of)) + "]",
        _ => throw new SideEyeException($"a {value.GetType()} has no SQL value; share numbers, text, booleans, times or lists of them"),
    };

    static string Quote(string text) => "'" + text.Replace("'", "''", StringComparison.Ordinal) + "'";
}
