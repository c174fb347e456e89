using System.Globalization;
using SideEye.GoRuntime;
using SideEye.GoRuntime.Memory;

namespace SideEye.Snapshots.Collection;

/// <summary>
/// Finds the Go processes on this machine through /proc: a process counts as Go when its executable has Go's
/// build info and pclntab. Processes that are not Go, cannot be read, or exit during the scan are left out.
/// </summary>
public static class GoProcesses
{
    public static IReadOnlyList<GoProcessInfo> List()
    {
        var found = new List<GoProcessInfo>();
        // Many processes share one executable: open each binary once per scan.
        var binaries = new Dictionary<string, GoBinary?>(StringComparer.Ordinal);
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || pid == Environment.ProcessId) continue;
            if (Describe(pid, binaries) is { } info) found.Add(info);
        }
        found.Sort((a, b) => a.Pid.CompareTo(b.Pid));
        return found;
    }

    /// <summary>The process if it is a readable Go process, else null (any failure here only means "not listed").</summary>
    static GoProcessInfo? Describe(int pid, Dictionary<string, GoBinary?> binaries)
    {
        string exe;
        try { exe = File.ResolveLinkTarget($"/proc/{pid}/exe", returnFinalTarget: false)?.FullName ?? ""; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; } // kernel thread, gone, or not ours
        if (exe.Length == 0) return null;
        if (!binaries.TryGetValue(exe, out var binary))
        {
            try { binary = GoBinary.Open($"/proc/{pid}/exe"); }
            catch (SideEyeException) { binary = null; } // not Go, or unreadable
            binaries[exe] = binary;
        }
        if (binary is null) return null;
        var uptime = Uptime(pid);
        if (uptime is null) return null; // exited since we looked
        return new GoProcessInfo(pid, exe, binary.Version.Text, uptime.Value, Goroutines(pid, binary));
    }

    static long? Goroutines(int pid, GoBinary binary)
    {
        try
        {
            var address = binary.Runtime.Variables.AllGLen + LoadBias.Of(pid, binary.Image);
            using var memory = ProcessMemoryReader.Open(pid);
            return memory.ReadU64(address) is { } n ? (long)n : null;
        }
        catch (SideEyeException) { return null; } // no DWARF, unsupported version, no permission, or gone
    }

    /// <summary>Time since the process started (field 22 of /proc/PID/stat, in clock ticks since boot), or null once it is gone.</summary>
    static TimeSpan? Uptime(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // The command name (field 2) is in parentheses and may hold spaces: count fields after the last ')'.
            var startTicks = ulong.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[19], CultureInfo.InvariantCulture);
            var boot = double.Parse(File.ReadAllText("/proc/uptime").Split(' ')[0], CultureInfo.InvariantCulture);
            // USER_HZ is 100 on every Linux architecture we run on.
            return TimeSpan.FromSeconds(Math.Max(0, boot - startTicks / 100.0));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }
}
