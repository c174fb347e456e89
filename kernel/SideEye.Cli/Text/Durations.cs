using System.Globalization;

namespace SideEye.Cli.Text;

static class Durations
{
    /// <summary>A wait or an uptime as a reader wants it: "850ms", "12.4s", "3m12s", "2h05m", "3d04h" (cut, not rounded).</summary>
    public static string Short(TimeSpan t) =>
        t.TotalDays >= 1 ? $"{(int)t.TotalDays}d{t.Hours:00}h"
        : t.TotalHours >= 1 ? $"{(int)t.TotalHours}h{t.Minutes:00}m"
        : t.TotalMinutes >= 1 ? $"{(int)t.TotalMinutes}m{t.Seconds:00}s"
        : t.TotalSeconds >= 1 ? string.Create(CultureInfo.InvariantCulture, $"{Math.Floor(t.TotalSeconds * 10) / 10:0.0}s")
        : $"{(int)t.TotalMilliseconds}ms";
}
