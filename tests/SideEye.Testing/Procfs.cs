using System.Globalization;

namespace SideEye.Testing;

/// <summary>What /proc says about a process, read independently of the code under test.</summary>
public static class Procfs
{
    /// <summary>tid → state letter from /proc/PID/task/TID/status ('t' is tracing stop).</summary>
    /// <summary>
    /// The control group a container tool would name for the process, read independently of SideEye: the unified
    /// (v2) path unless it is the root, else the first non-root v1 path of name=systemd, pids, memory, cpu; null if none.
    /// </summary>
    public static string? Cgroup(int pid)
    {
        var lines = File.ReadAllLines($"/proc/{pid}/cgroup").Select(l => l.Split(':', 3)).Where(p => p.Length == 3).ToArray();
        if (lines.FirstOrDefault(p => p[1] == "") is { } unified && unified[2] != "/") return unified[2];
        foreach (var name in new[] { "name=systemd", "pids", "memory", "cpu", "cpu,cpuacct" })
            if (lines.FirstOrDefault(p => p[1] == name && p[2] != "/") is { } v1) return v1[2];
        return lines.FirstOrDefault(p => p[1] != "" && p[2] != "/")?[2];
    }

    /// <summary>Every process's pid in this namespace's /proc.</summary>
    public static IEnumerable<int> Pids() =>
        Directory.EnumerateDirectories("/proc").Select(d => int.TryParse(Path.GetFileName(d), out var pid) ? pid : 0).Where(pid => pid > 0);

    /// <summary>Where /proc/PID/exe points, or null (kernel thread, gone, not ours).</summary>
    public static string? ExeLink(int pid)
    {
        try { return new FileInfo($"/proc/{pid}/exe").LinkTarget; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }

    public static IReadOnlyDictionary<int, char> ThreadStates(int pid)
    {
        var result = new Dictionary<int, char>();
        string[] tasks;
        // A process that is gone, or is reaped while its threads are listed, has none.
        try { tasks = Directory.GetDirectories($"/proc/{pid}/task"); }
        catch (IOException) { return result; }
        foreach (var dir in tasks)
        {
            try
            {
                var line = File.ReadLines(Path.Combine(dir, "status")).First(l => l.StartsWith("State:", StringComparison.Ordinal));
                result[int.Parse(Path.GetFileName(dir), CultureInfo.InvariantCulture)] = line[6..].Trim()[0];
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
        return result;
    }

    /// <summary>The process's effective capabilities as bit numbers (CapEff in /proc/PID/status).</summary>
    public static IReadOnlyList<int> CapabilityBits(int pid)
    {
        var mask = ulong.Parse(File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("CapEff:", StringComparison.Ordinal))[7..].Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        return Enumerable.Range(0, 64).Where(bit => (mask & 1UL << bit) != 0).ToArray();
    }

    /// <summary>chown(2), for tests that need a file of another user.</summary>
    public static void Chown(string path, uint uid, uint gid)
    {
        if (ChownNative(path, uid, gid) != 0) throw new IOException($"chown {path}: errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()}");
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "chown", SetLastError = true)]
    static extern int ChownNative(string path, uint owner, uint group);

    /// <summary>The uid owning a file.</summary>
    public static uint FileOwner(string path)
    {
        var psi = new System.Diagnostics.ProcessStartInfo("stat", ["-c", "%u", path]) { RedirectStandardOutput = true };
        using var stat = System.Diagnostics.Process.Start(psi)!;
        var text = stat.StandardOutput.ReadToEnd();
        stat.WaitForExit();
        return uint.Parse(text.Trim(), CultureInfo.InvariantCulture);
    }

    /// <summary>The process's real uid.</summary>
    public static uint Uid(int pid) =>
        uint.Parse(File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("Uid:", StringComparison.Ordinal))[4..].Split('\t', StringSplitOptions.RemoveEmptyEntries)[0], CultureInfo.InvariantCulture);

    /// <summary>The process state letter, or '-' when it is gone.</summary>
    public static char State(int pid)
    {
        try { return File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("State:", StringComparison.Ordinal))[6..].Trim()[0]; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return '-'; }
    }

    /// <summary>Threads in a tracing stop ('t') or stopped ('T'), as "tid:state": empty when the process runs freely.</summary>
    public static IReadOnlyList<string> StoppedThreads(int pid) =>
        ThreadStates(pid).Where(kv => kv.Value is 't' or 'T').Select(kv => $"{kv.Key}:{kv.Value}").ToList();

    /// <summary>Waits until no thread is in tracing stop ('t') or stopped ('T'); returns the states seen last.</summary>
    public static IReadOnlyDictionary<int, char> WaitUntilRunning(int pid, int timeoutMs = 3000)
    {
        var sw = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var states = ThreadStates(pid);
            if (!states.Values.Any(s => s is 't' or 'T') || sw.ElapsedMilliseconds > timeoutMs) return states;
            Thread.Sleep(5);
        }
    }

    /// <summary>
    /// utime + stime of the whole process in clock ticks, from /proc/PID/stat (fields 14 and 15, counted after the
    /// parenthesised command name, which may itself hold spaces).
    /// </summary>
    public static long CpuTicks(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        // fields[0] is field 3 (state), so field N is fields[N - 3].
        return long.Parse(fields[14 - 3], CultureInfo.InvariantCulture) + long.Parse(fields[15 - 3], CultureInfo.InvariantCulture);
    }

    public sealed record Mapping(ulong Start, ulong End, string Perms, string Path)
    {
        public bool Contains(ulong address) => address >= Start && address < End;
    }

    public static IReadOnlyList<Mapping> Maps(int pid) =>
        File.ReadAllLines($"/proc/{pid}/maps").Select(line =>
        {
            var parts = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
            var range = parts[0].Split('-');
            return new Mapping(ulong.Parse(range[0], NumberStyles.HexNumber), ulong.Parse(range[1], NumberStyles.HexNumber),
                parts[1], parts.Length > 5 ? parts[5].Trim() : "");
        }).ToArray();

    /// <summary>
    /// Brings a target's private writable memory back into RAM (reading /proc/PID/mem faults pages in), up to
    /// <paramref name="maxBytes"/>. The probe cannot fault pages in, and this machine's DAMON reclaim pages out the
    /// memory of processes that sit idle, as test targets do; a snapshot then says honestly that it could not read
    /// part of them. Tests that compare every value call this first, so they check values, not residency.
    /// </summary>
    public static void FaultIn(int pid, long maxBytes = 256L << 20)
    {
        using var mem = new FileStream($"/proc/{pid}/mem", FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.None);
        var buffer = new byte[1 << 16];
        long total = 0;
        foreach (var m in Maps(pid).Where(m => m.Perms.StartsWith("rw", StringComparison.Ordinal)))
        {
            for (var at = m.Start; at < m.End && total < maxBytes; at += (ulong)buffer.Length)
            {
                var n = (int)Math.Min((ulong)buffer.Length, m.End - at);
                try
                {
                    mem.Seek((long)at, SeekOrigin.Begin);
                    total += mem.Read(buffer, 0, n);
                }
                catch (IOException) { } // unmapped meanwhile or a guard page: nothing to fault in
            }
        }
    }
}
