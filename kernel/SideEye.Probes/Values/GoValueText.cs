using System.Buffers;
using System.Globalization;
using System.Text;

namespace SideEye.Probes.Values;

/// <summary>Go's text for scalars, written from the formats' definitions (strconv 'g', fmt, time.Duration, RFC 3339).</summary>
internal static class GoValueText
{
    /// <summary>strconv.FormatFloat(f, 'g', -1, bits): shortest digits, exponent form below 1e-4 or from 1e21… as %g decides with precision 6.</summary>
    public static string Float(double value, int bits)
    {
        if (double.IsNaN(value)) return "NaN";
        if (double.IsInfinity(value)) return value > 0 ? "+Inf" : "-Inf";
        var shortest = bits == 32 ? ((float)value).ToString("R", CultureInfo.InvariantCulture) : value.ToString("R", CultureInfo.InvariantCulture);
        var negative = shortest.StartsWith('-');
        var s = negative ? shortest[1..] : shortest;
        var e = s.IndexOfAny(['E', 'e']);
        var mantissa = e < 0 ? s : s[..e];
        var exponent = e < 0 ? 0 : int.Parse(s[(e + 1)..], CultureInfo.InvariantCulture);
        var dot = mantissa.IndexOf('.');
        var digits = dot < 0 ? mantissa : mantissa.Remove(dot, 1);
        var dp = (dot < 0 ? mantissa.Length : dot) + exponent;
        var lead = digits.Length - digits.TrimStart('0').Length;
        digits = digits.Trim('0');
        dp -= lead;
        var sign = negative ? "-" : "";
        if (digits.Length == 0) return sign + "0";
        var exp = dp - 1;
        if (exp < -4 || exp >= 6)
        {
            var m = digits.Length > 1 ? $"{digits[0]}.{digits[1..]}" : digits;
            return $"{sign}{m}e{(exp < 0 ? '-' : '+')}{Math.Abs(exp):00}";
        }
        if (dp <= 0) return $"{sign}0.{new string('0', -dp)}{digits}";
        if (dp >= digits.Length) return sign + digits + new string('0', dp - digits.Length);
        return $"{sign}{digits[..dp]}.{digits[dp..]}";
    }

    /// <summary>fmt's %v of a complex number: (real+imagi), the imaginary part always signed.</summary>
    public static string Complex(double real, double imag, int bits)
    {
        var r = Float(real, bits);
        var i = Float(imag, bits);
        if (!i.StartsWith('-') && !i.StartsWith('+')) i = "+" + i;
        return $"({r}{i}i)";
    }

    public static string Hex(ulong value) => "0x" + value.ToString("x", CultureInfo.InvariantCulture);

    /// <summary>Bytes as Go's encoding/json makes them a string: every byte that does not start valid UTF-8 becomes U+FFFD.</summary>
    /// <summary>Bytes that read as text: valid UTF-8 without control characters other than tab and line breaks (a buffer of zeros is data, not text).</summary>
    public static bool IsText(ReadOnlySpan<byte> bytes)
    {
        if (!System.Text.Unicode.Utf8.IsValid(bytes)) return false;
        foreach (var b in bytes)
            if ((b < 0x20 && b is not (byte)'\t' and not (byte)'\n' and not (byte)'\r') || b == 0x7f) return false;
        return true;
    }

    public static string Utf8(ReadOnlySpan<byte> bytes)
    {
        var sb = new StringBuilder(bytes.Length);
        while (bytes.Length > 0)
        {
            if (Rune.DecodeFromUtf8(bytes, out var rune, out var consumed) == OperationStatus.Done)
            {
                sb.Append(rune.ToString());
                bytes = bytes[consumed..];
            }
            else
            {
                sb.Append('\uFFFD');
                bytes = bytes[1..];
            }
        }
        return sb.ToString();
    }

    /// <summary>time.Duration.String: "1h2m3.5s", "1.5ms", "0s".</summary>
    public static string Duration(long nanoseconds)
    {
        if (nanoseconds == 0) return "0s";
        var negative = nanoseconds < 0;
        var u = negative ? (ulong)(-(nanoseconds + 1)) + 1 : (ulong)nanoseconds;
        string text;
        if (u < 1_000_000_000)
        {
            text = u switch
            {
                < 1_000 => $"{u}ns",
                < 1_000_000 => Fraction(u, 3) + "µs",
                _ => Fraction(u, 6) + "ms",
            };
        }
        else
        {
            var seconds = u / 1_000_000_000;
            var frac = u % 1_000_000_000;
            var sb = new StringBuilder();
            var hours = seconds / 3600;
            var minutes = seconds / 60 % 60;
            if (hours > 0) sb.Append(hours).Append('h');
            if (seconds >= 60) sb.Append(minutes).Append('m');
            sb.Append(Fraction(seconds % 60 * 1_000_000_000 + frac, 9)).Append('s');
            text = sb.ToString();
        }
        return negative ? "-" + text : text;
    }

    /// <summary>value / 10^digits with the fraction's trailing zeros (and a bare point) dropped.</summary>
    static string Fraction(ulong value, int digits)
    {
        var scale = (ulong)Math.Pow(10, digits);
        var whole = value / scale;
        var frac = (value % scale).ToString(CultureInfo.InvariantCulture).PadLeft(digits, '0').TrimEnd('0');
        return frac.Length == 0 ? whole.ToString(CultureInfo.InvariantCulture) : $"{whole}.{frac}";
    }

    const ulong HasMonotonic = 1UL << 63;
    const int NsecShift = 30;
    const ulong NsecMask = (1UL << 30) - 1;
    const long WallToInternal = (1884L * 365 + 1884 / 4 - 1884 / 100 + 1884 / 400) * 86400;
    const long UnixToInternal = (1969L * 365 + 1969 / 4 - 1969 / 100 + 1969 / 400) * 86400;

    /// <summary>
    /// A time.Time from its wall and ext words (time.go): with hasMonotonic set, wall bits 62..30 are seconds
    /// since 1885 and ext is the monotonic reading; otherwise ext is seconds since year 1. Bits 29..0 of wall are
    /// the nanoseconds. Printed in UTC as RFC 3339 with trailing zeros of the fraction dropped.
    /// </summary>
    public static string Time(ulong wall, long ext)
    {
        var sec = (wall & HasMonotonic) != 0 ? WallToInternal + (long)(wall << 1 >> (NsecShift + 1)) : ext;
        var unix = sec - UnixToInternal;
        var nsec = (long)(wall & NsecMask);
        var days = Math.DivRem(unix, 86400L, out var secOfDay);
        if (secOfDay < 0) { secOfDay += 86400; days--; }
        var (year, month, day) = CivilFromDays(days);
        var sb = new StringBuilder();
        sb.Append(year < 0 ? "-" + (-year).ToString("D4", CultureInfo.InvariantCulture) : year.ToString("D4", CultureInfo.InvariantCulture));
        sb.Append(CultureInfo.InvariantCulture, $"-{month:D2}-{day:D2}T{secOfDay / 3600:D2}:{secOfDay / 60 % 60:D2}:{secOfDay % 60:D2}");
        if (nsec != 0) sb.Append('.').Append(nsec.ToString("D9", CultureInfo.InvariantCulture).TrimEnd('0'));
        return sb.Append('Z').ToString();
    }

    /// <summary>Proleptic Gregorian date of a day count from 1970-01-01 (H. Hinnant's civil_from_days).</summary>
    static (long Year, int Month, int Day) CivilFromDays(long z)
    {
        z += 719468;
        var era = (z >= 0 ? z : z - 146096) / 146097;
        var doe = z - era * 146097;
        var yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
        var y = yoe + era * 400;
        var doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        var mp = (5 * doy + 2) / 153;
        var d = (int)(doy - (153 * mp + 2) / 5 + 1);
        var m = (int)(mp < 10 ? mp + 3 : mp - 9);
        return (m <= 2 ? y + 1 : y, m, d);
    }
}
