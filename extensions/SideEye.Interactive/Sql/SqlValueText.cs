using System.Collections;
using System.Globalization;
using System.Numerics;
using System.Text;
using DuckDB.NET.Native;

namespace SideEye.Interactive.Sql;

/// <summary>
/// A SQL value as text the way DuckDB writes it, culture-free: times as <c>2024-01-02 03:04:05.123456</c> (with
/// <c>Z</c> when the value is a TIMESTAMPTZ), lists <c>[1, 2, NULL]</c>, structs and maps <c>{'a': 1}</c>,
/// BLOBs <c>\xAA\xBB</c>. Inside a list or struct a string is quoted, so that '' and NULL differ there too.
/// </summary>
static class SqlValueText
{
    /// <summary>Bytes of a BLOB shown before "…".</summary>
    const int BlobBytesShown = 64;

    /// <summary>The text of a top-level value; null (SQL NULL) is "NULL", to be told apart from text by its style.</summary>
    public static string Of(object? value) => Format(value, nested: false);

    static string Format(object? value, bool nested) => value switch
    {
        null or DBNull => "NULL",
        string s => nested ? "'" + s.Replace("'", "''", StringComparison.Ordinal) + "'" : s,
        bool b => b ? "true" : "false",
        DateTimeOffset d => d.ToString("yyyy-MM-dd HH:mm:ss.FFFFFF", CultureInfo.InvariantCulture) + (d.Offset == TimeSpan.Zero ? "Z" : d.ToString("zzz", CultureInfo.InvariantCulture)),
        DateTime d => d.ToString("yyyy-MM-dd HH:mm:ss.FFFFFF", CultureInfo.InvariantCulture),
        DateOnly d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        TimeOnly t => t.ToString("HH:mm:ss.FFFFFF", CultureInfo.InvariantCulture),
        TimeSpan t => Interval(0, t),
        DuckDBInterval i => Interval(i.Months, TimeSpan.FromDays(i.Days) + TimeSpan.FromMicroseconds(unchecked((long)i.Micros))),
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        float f => f.ToString("R", CultureInfo.InvariantCulture),
        BigInteger n => n.ToString(CultureInfo.InvariantCulture),
        byte[] bytes => Blob(bytes),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        IDictionary map => "{" + string.Join(", ", map.Keys.Cast<object>().Select(k => Format(k, nested: true) + ": " + Format(map[k], nested: true))) + "}",
        IEnumerable list => "[" + string.Join(", ", list.Cast<object?>().Select(v => Format(v, nested: true))) + "]",
        _ => value.ToString() ?? "",
    };

    /// <summary>As DuckDB prints an INTERVAL: "1 month 2 days 03:04:05.5", "00:00:01".</summary>
    static string Interval(int months, TimeSpan time)
    {
        var text = new StringBuilder();
        if (months != 0) text.Append(CultureInfo.InvariantCulture, $"{months} month{(Math.Abs(months) == 1 ? "" : "s")} ");
        var days = time.Days;
        if (days != 0) text.Append(CultureInfo.InvariantCulture, $"{days} day{(Math.Abs(days) == 1 ? "" : "s")} ");
        var rest = time - TimeSpan.FromDays(days);
        if (rest != TimeSpan.Zero || text.Length == 0)
        {
            if (rest < TimeSpan.Zero) text.Append('-');
            rest = rest.Duration();
            text.Append(CultureInfo.InvariantCulture, $"{(int)rest.TotalHours:00}:{rest.Minutes:00}:{rest.Seconds:00}");
            var fraction = rest.Ticks % TimeSpan.TicksPerSecond;
            if (fraction != 0) text.Append('.').Append((fraction / 10).ToString("000000", CultureInfo.InvariantCulture).TrimEnd('0'));
        }
        return text.ToString().TrimEnd();
    }

    static string Blob(byte[] bytes)
    {
        var text = new StringBuilder(Math.Min(bytes.Length, BlobBytesShown) * 4 + 24);
        foreach (var b in bytes.AsSpan(0, Math.Min(bytes.Length, BlobBytesShown))) text.Append(CultureInfo.InvariantCulture, $"\\x{b:X2}");
        if (bytes.Length > BlobBytesShown) text.Append(CultureInfo.InvariantCulture, $"… ({bytes.Length} bytes)");
        return text.ToString();
    }
}
