using System.Globalization;

namespace SideEye.GoRuntime.Processes;

/// <summary>
/// Where a process sits when it runs in a container: its pid inside its own PID namespace, and its control group
/// (what container runtimes and systemd name a container or service by), both from /proc.
/// </summary>
public static class ProcessContainer
{
    /// <summary>The innermost entry of NSpid in /proc/PID/status when it differs from <paramref name="pid"/>; null otherwise or once gone.</summary>
    public static int? NamespacePid(int pid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (!line.StartsWith("NSpid:", StringComparison.Ordinal)) continue;
                var last = line["NSpid:".Length..].Split((char[])['\t', ' '], StringSplitOptions.RemoveEmptyEntries)[^1];
                var inner = int.Parse(last, CultureInfo.InvariantCulture);
                return inner == pid ? null : inner;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException) { }
        return null;
    }

    /// <summary>v1 hierarchies in the order their path names a container best when the unified one says nothing.</summary>
    static readonly string[] V1Preference = ["name=systemd", "pids", "memory", "cpu", "cpu,cpuacct"];

    /// <summary>
    /// The process's cgroup path from /proc/PID/cgroup: the unified (v2, "0::") one unless it is the root, else the
    /// first v1 hierarchy in <see cref="V1Preference"/> (then any) that is not the root; null when every one is the root,
    /// or the process is gone.
    /// </summary>
    public static string? Cgroup(int pid)
    {
        string[] lines;
        try { lines = File.ReadAllLines($"/proc/{pid}/cgroup"); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
        return Pick(lines);
    }

    /// <summary><see cref="Cgroup"/>'s choice among the lines of a /proc/PID/cgroup file ("ID:CONTROLLERS:PATH").</summary>
    public static string? Pick(IEnumerable<string> lines)
    {
        var paths = new List<(string Controllers, string Path)>();
        foreach (var line in lines)
        {
            var parts = line.Split(':', 3);
            if (parts.Length == 3 && parts[2].StartsWith('/')) paths.Add((parts[1], parts[2]));
        }
        if (paths.FirstOrDefault(p => p.Controllers.Length == 0).Path is { } unified && unified != "/") return unified;
        var nested = paths.Where(p => p.Controllers.Length > 0 && p.Path != "/").ToList();
        foreach (var preferred in V1Preference)
            if (nested.FirstOrDefault(p => p.Controllers == preferred).Path is { } path) return path;
        return nested.FirstOrDefault().Path;
    }
}
