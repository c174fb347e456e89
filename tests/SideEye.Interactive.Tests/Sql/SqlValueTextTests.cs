using System.Numerics;
using DuckDB.NET.Native;
using SideEye.Interactive.Sql;

namespace SideEye.Interactive.Tests.Sql;

/// <summary>How a value reads in a SQL cell's table: as DuckDB writes it, with no culture, and '' apart from NULL.</summary>
public sealed class SqlValueTextTests
{
    public static TheoryData<object?, string> Values => new()
    {
        { null, "NULL" },
        { "", "" },
        { "it's", "it's" },
        { new List<string?> { "", null, "it's" }, "['', NULL, 'it''s']" },
        { new List<int?> { 1, null }, "[1, NULL]" },
        { new List<List<int?>?> { new() { 1 }, null }, "[[1], NULL]" },
        { new Dictionary<string, object?> { ["name"] = "x", ["n"] = 2L, ["none"] = null }, "{'name': 'x', 'n': 2, 'none': NULL}" },
        { true, "true" },
        { 0.1, "0.1" },
        { 1.5f, "1.5" },
        { double.NaN, "NaN" },
        { 12.50m, "12.50" },
        { 18446744073709551615UL, "18446744073709551615" },
        { BigInteger.Parse("-170141183460469231731687303715884105728", System.Globalization.CultureInfo.InvariantCulture), "-170141183460469231731687303715884105728" },
        { new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero).AddTicks(1234560), "2026-01-02 03:04:05.123456Z" },
        { new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.FromHours(2)), "2026-01-02 03:04:05+02:00" },
        { new DateTime(2024, 2, 29, 23, 59, 59, 500), "2024-02-29 23:59:59.5" },
        { new DateOnly(2024, 1, 2), "2024-01-02" },
        { new TimeOnly(1, 2, 3), "01:02:03" },
        { TimeSpan.FromMinutes(90), "01:30:00" },
        { TimeSpan.Zero, "00:00:00" },
        { TimeSpan.FromDays(3) + TimeSpan.FromMilliseconds(1.5), "3 days 00:00:00.0015" },
        { TimeSpan.FromDays(-1) - TimeSpan.FromSeconds(2), "-1 day -00:00:02" },
        { new DuckDBInterval(14, 1, 3_000_000), "14 months 1 day 00:00:03" },
        { new byte[] { 0xAA, 0x00 }, "\\xAA\\x00" },
        { new Guid("5e8c1f0a-0000-4000-8000-000000000001"), "5e8c1f0a-0000-4000-8000-000000000001" },
    };

    [Theory]
    [MemberData(nameof(Values))]
    public void A_value_reads_as_DuckDB_writes_it(object? value, string text) => Assert.Equal(text, SqlValueText.Of(value));

    [Fact]
    public void A_long_blob_shows_its_start_and_its_length()
    {
        var text = SqlValueText.Of(Enumerable.Range(0, 100).Select(i => (byte)i).ToArray());
        Assert.StartsWith("\\x00\\x01\\x02", text, StringComparison.Ordinal);
        Assert.EndsWith("\\x3F… (100 bytes)", text, StringComparison.Ordinal);
    }
}
