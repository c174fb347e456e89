using System.Globalization;
using SideEye.GoRuntime.Memory;

namespace SideEye.GoRuntime.Processes;

/// <summary>
/// Finds the Go processes on this machine through /proc: a process counts as Go when its executable has Go's
/// build info and pclntab. Processes that are not Go, cannot be read, or exit during the scan are left out. Keeps
/// what it learnt of each executable (<see cref="ExecutableFacts"/>, keyed by path, size and modification time) for
/// the scans that follow, so a long-lived scanner opens each binary once.
/// </summary>
public sealed class GoProcessScanner
{
    readonly Dictionary<string, ExecutableFacts?> _facts = new(StringComparer.Ordinal);
    readonly object _gate = new();

    /// <summary>
    /// Every Go process, or only those among <paramref name="pids"/>, by pid; with <paramref name="environmentVariables"/>,
    /// each one's values of those variables (<see cref="ProcessEnvironment"/>: the environment is read only then).
    /// </summary>
    public IReadOnlyList<GoProcessInfo> List(IReadOnlyCollection<int>? pids = null, IReadOnlyCollection<string>? environmentVariables = null)
    {
        if (environmentVariables is not null && ProcessEnvironment.Problem(environmentVariables) is { } problem) throw new ArgumentException(problem, nameof(environmentVariables));
        var candidates = pids ?? Directory.EnumerateDirectories("/proc")
            .Select(d => int.TryParse(Path.GetFileName(d), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : 0)
            .Where(pid => pid > 0).ToArray();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var found = candidates.Distinct().Where(pid => pid != Environment.ProcessId)
            .Select(pid => Describe(pid, seen)).OfType<GoProcessInfo>().OrderBy(p => p.Pid)
            .Select(p => environmentVariables is { Count: > 0 } names ? p with { Environment = ProcessEnvironment.Read(p.Pid, names) } : p).ToList();
        // After a full scan, forget the executables no process runs any more.
        if (pids is null)
            lock (_gate)
                foreach (var key in _facts.Keys.Where(k => !seen.Contains(k)).ToList()) _facts.Remove(key);
        return found;
    }

    /// <summary>The facts of the executable process <paramref name="pid"/> runs, or null when it is not a readable Go process.</summary>
    public ExecutableFacts? FactsOf(int pid) => Identity(pid) is { } key ? Facts(pid, key) : null;

    /// <summary>runtime.allglen of a Go process now, or null when it cannot be read.</summary>
    public long? GoroutinesOf(int pid)
    {
        if (FactsOf(pid) is not { } facts) return null;
        try { return Goroutines(pid, facts, LoadBias.Of(pid, facts.IsPositionIndependent, facts.LinkBase)); }
        catch (SideEyeException) { return null; }
    }

    GoProcessInfo? Describe(int pid, HashSet<string> seen)
    {
        string exe;
        try { exe = File.ResolveLinkTarget($"/proc/{pid}/exe", returnFinalTarget: false)?.FullName ?? ""; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; } // kernel thread, gone, or not ours
        if (exe.Length == 0 || Identity(pid) is not { } key) return null;
        seen.Add(key);
        if (Facts(pid, key) is not { } facts) return null;
        if (ProcessStart.Read(pid) is not { } start) return null; // exited since we looked
        ulong bias;
        try { bias = LoadBias.Of(pid, facts.IsPositionIndependent, facts.LinkBase); }
        catch (SideEyeException) { return null; } // exited, or its mappings cannot be read
        return new GoProcessInfo(pid, exe, facts.GoVersion, start.Uptime, Goroutines(pid, facts, bias))
        {
            NamespacePid = ProcessContainer.NamespacePid(pid),
            Cgroup = ProcessContainer.Cgroup(pid),
            BuildId = facts.BuildId,
            Start = start,
            CommandLine = CommandLine(pid),
            LoadBias = bias,
            ExecutableSize = facts.Size,
        };
    }

    ExecutableFacts? Facts(int pid, string key)
    {
        lock (_gate)
            if (_facts.TryGetValue(key, out var known)) return known;
        ExecutableFacts? facts;
        try { facts = ExecutableFacts.Of(GoBinary.Open($"/proc/{pid}/exe")); }
        catch (SideEyeException) { facts = null; } // not Go, or unreadable
        lock (_gate) _facts[key] = facts;
        return facts;
    }

    /// <summary>Path, size and modification time of the executable (through /proc/PID/exe, so a deleted one too), or null once the process is gone.</summary>
    static string? Identity(int pid)
    {
        try
        {
            var target = File.ResolveLinkTarget($"/proc/{pid}/exe", returnFinalTarget: false)?.FullName;
            var file = new FileInfo($"/proc/{pid}/exe");
            return target is null || !file.Exists ? null
                : string.Create(CultureInfo.InvariantCulture, $"{target}\0{file.Length}\0{file.LastWriteTimeUtc.Ticks}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }

    static long? Goroutines(int pid, ExecutableFacts facts, ulong bias)
    {
        if (facts.AllGLen is not { } address) return null;
        try
        {
            using var memory = ProcessMemoryReader.Open(pid);
            return memory.ReadU64(address + bias) is { } n ? (long)n : null;
        }
        catch (SideEyeException) { return null; } // no permission, or gone
    }

    /// <summary>The arguments from /proc/PID/cmdline (NUL-separated); empty for a process that hid them or exited.</summary>
    static IReadOnlyList<string> CommandLine(int pid)
    {
        try { return File.ReadAllText($"/proc/{pid}/cmdline").TrimEnd('\0').Split('\0'); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return []; }
    }
}
