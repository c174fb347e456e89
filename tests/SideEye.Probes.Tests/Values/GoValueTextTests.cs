using SideEye.Probes.Values;

namespace SideEye.Probes.Tests.Values;

/// <summary>Texts that Go itself prints (strconv.FormatFloat 'g' -1, fmt %v, Duration.String, reflect names).</summary>
public class GoValueTextTests
{
    [Theory]
    [InlineData(1e21, 64, "1e+21")]
    [InlineData(1234567.0, 64, "1.234567e+06")]
    [InlineData(123456.0, 64, "123456")]
    [InlineData(0.0001, 64, "0.0001")]
    [InlineData(0.00001, 64, "1e-05")]
    [InlineData(1.5e-7, 64, "1.5e-07")]
    [InlineData(-2.5, 64, "-2.5")]
    [InlineData(0.0, 64, "0")]
    [InlineData(1e300, 64, "1e+300")]
    [InlineData(0.1f, 32, "0.1")]
    [InlineData(16777216f, 32, "1.6777216e+07")]
    public void Floats_as_strconv_prints_them(double value, int bits, string text) => Assert.Equal(text, GoValueText.Float(value, bits));

    [Theory]
    [InlineData(0L, "0s")]
    [InlineData(1L, "1ns")]
    [InlineData(1500L, "1.5µs")]
    [InlineData(1_500_000L, "1.5ms")]
    [InlineData(1_500_000_000L, "1.5s")]
    [InlineData(120_000_000_000L, "2m0s")]
    [InlineData(3_600_000_000_000L, "1h0m0s")]
    [InlineData(-10_825_000_000_000L, "-3h0m25s")]
    [InlineData(long.MaxValue, "2562047h47m16.854775807s")]
    [InlineData(long.MinValue, "-2562047h47m16.854775808s")]
    public void Durations_as_Duration_String_prints_them(long nanoseconds, string text) => Assert.Equal(text, GoValueText.Duration(nanoseconds));

    [Fact]
    public void Times_without_and_with_a_monotonic_reading()
    {
        // time.Date(2024, 2, 29, 13, 14, 15, 123456789, time.UTC): wall holds only nanoseconds, ext the seconds since year 1.
        Assert.Equal("2024-02-29T13:14:15.123456789Z", GoValueText.Time(123456789, 63844809255));
        Assert.Equal("0001-01-01T00:00:00Z", GoValueText.Time(0, 0));
        // hasMonotonic: bits 62..30 hold the seconds since 1885 (2001-09-09T01:46:40Z is 1000000000 Unix).
        var since1885 = 1_000_000_000UL + (ulong)(1969L * 365 + 1969 / 4 - 1969 / 100 + 1969 / 400) * 86400 - (ulong)(1884L * 365 + 1884 / 4 - 1884 / 100 + 1884 / 400) * 86400;
        Assert.Equal("2001-09-09T01:46:40.5Z", GoValueText.Time((1UL << 63) | (since1885 << 30) | 500_000_000, 12345));
    }

    [Theory]
    [InlineData("(1+2i)", 1.0, 2.0)]
    [InlineData("(-1.5-0.25i)", -1.5, -0.25)]
    [InlineData("(0+0i)", 0.0, 0.0)]
    public void Complex_numbers_as_fmt_prints_them(string text, double re, double im) => Assert.Equal(text, GoValueText.Complex(re, im, 64));

    [Theory]
    [InlineData("*net/http.Request", "*http.Request")]
    [InlineData("map[string]*net/url.URL", "map[string]*url.URL")]
    [InlineData("[]golang.org/x/net/http2.Setting", "[]http2.Setting")]
    [InlineData("chan<- int", "chan<- int")]
    [InlineData("func(context.Context) error", "func(context.Context) error")]
    public void Type_names_lose_their_import_paths_as_reflect_prints_them(string dwarf, string shown) => Assert.Equal(shown, GoTypeNames.Display(dwarf));

    [Fact]
    public void Invalid_UTF8_bytes_each_become_a_replacement_character()
    {
        Assert.Equal("a\uFFFDb\uFFFD\uFFFD", GoValueText.Utf8([(byte)'a', 0xff, (byte)'b', 0xe4, 0xb8]));
        Assert.Equal("世界", GoValueText.Utf8("世界"u8));
    }
}
