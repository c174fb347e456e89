using System.Globalization;
using SideEye.GoRuntime.Memory;

namespace SideEye.GoRuntime.Processes;

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
        // A binary replaced on disk keeps running under "PATH (deleted)": the old and the new file have different names.
        if (!binaries.TryGetValue(exe, out var binary))
        {
            try { binary = GoBinary.Open($"/proc/{pid}/exe"); }
            catch (SideEyeException) { binary = null; } // not Go, or unreadable
            binaries[exe] = binary;
        }
        if (binary is null) return null;
        if (ProcessStart.Read(pid) is not { } start) return null; // exited since we looked
        ulong bias;
        try { bias = LoadBias.Of(pid, binary.Image); }
        catch (SideEyeException) { return null; } // exited, or its mappings cannot be read
        return new GoProcessInfo(pid, exe, binary.Version.Text, start.Uptime, Goroutines(pid, binary, bias))
        {
            NamespacePid = NamespacePid(pid),
            BuildId = binary.Image.BuildId ?? "",
            Start = start,
            CommandLine = CommandLine(pid),
            LoadBias = bias,
            ExecutableSize = binary.Image.FileBytes.Length,
        };
    }

    static long? Goroutines(int pid, GoBinary binary, ulong bias)
    {
        try
        {
            var address = binary.Runtime.Variables.AllGLen + bias;
            using var memory = ProcessMemoryReader.Open(pid);
            return memory.ReadU64(address) is { } n ? (long)n : null;
        }
        catch (SideEyeException) { return null; } // no DWARF, unsupported version, no permission, or gone
    }

    /// <summary>The innermost entry of NSpid in /proc/PID/status when it differs from <paramref name="pid"/>.</summary>
    static int? NamespacePid(int pid)
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

    /// <summary>The arguments from /proc/PID/cmdline (NUL-separated); empty for a process that hid them or exited.</summary>
    static IReadOnlyList<string> CommandLine(int pid)
    {
        try
        {
            var raw = File.ReadAllText($"/proc/{pid}/cmdline");
            return raw.TrimEnd('\0').Split('\0');
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return []; }
    }
}
