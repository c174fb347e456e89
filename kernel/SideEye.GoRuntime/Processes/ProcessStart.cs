using System.Globalization;

namespace SideEye.GoRuntime.Processes;

/// <summary>
/// When a process started, from field 22 of /proc/PID/stat (clock ticks since boot). With the pid, the tick count
/// names one process: a process that restarted under the same pid has another.
/// </summary>
public readonly record struct ProcessStart(ulong Ticks, DateTimeOffset StartedAt, TimeSpan Uptime)
{
    /// <summary>USER_HZ: 100 on every Linux architecture SideEye runs on.</summary>
    const double TicksPerSecond = 100;

    /// <summary>The process's start, or null once it is gone (or its /proc entry cannot be read).</summary>
    public static ProcessStart? Read(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // The command name (field 2) is in parentheses and may hold spaces: count fields after the last ')'.
            var ticks = ulong.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[19], CultureInfo.InvariantCulture);
            var sinceBoot = double.Parse(File.ReadAllText("/proc/uptime").Split(' ')[0], CultureInfo.InvariantCulture);
            var uptime = TimeSpan.FromSeconds(Math.Max(0, sinceBoot - ticks / TicksPerSecond));
            return new ProcessStart(ticks, DateTimeOffset.UtcNow - uptime, uptime);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }

    /// <summary>The start ticks of a process that must exist; a one-line error naming the pid otherwise.</summary>
    public static ulong TicksOf(int pid) =>
        Read(pid)?.Ticks ?? throw new SideEyeException($"process {pid}: no such process (cannot read /proc/{pid}/stat)");
}
