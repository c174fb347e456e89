using System.Runtime.InteropServices;

namespace SideEye.Notebooks.Tests;

/// <summary>
/// Ends what a run left behind: every process whose command line mentions a folder of the test's own (Jupyter's
/// kernel gets its connection file from the runtime folder we give it, and starts in a session of its own, so it is
/// no child we could wait for; Chromium's helpers get our profile folder).
/// </summary>
static partial class ProcessReaper
{
    /// <summary>The pids of the processes whose command line contains <paramref name="marker"/>, but not this one.</summary>
    public static IReadOnlyList<int> Find(string marker)
    {
        var found = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid) || pid == Environment.ProcessId) continue;
            string cmdline;
            try { cmdline = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' '); }
            catch (IOException) { continue; } // gone meanwhile
            catch (UnauthorizedAccessException) { continue; }
            if (cmdline.Contains(marker, StringComparison.Ordinal)) found.Add(pid);
        }
        return found;
    }

    /// <summary>SIGKILLs every process <see cref="Find"/> finds and waits until none is left; returns how many there were.</summary>
    public static int KillAll(string marker)
    {
        var killed = new HashSet<int>();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (Find(marker) is { Count: > 0 } left)
        {
            foreach (var pid in left)
                if (killed.Add(pid) || DateTime.UtcNow > deadline.AddSeconds(-5)) _ = Kill(pid, 9);
            if (DateTime.UtcNow > deadline) throw new InvalidOperationException($"processes still running after SIGKILL: {string.Join(", ", left)}");
            Thread.Sleep(50);
        }
        return killed.Count;
    }

    [LibraryImport("libc", EntryPoint = "kill")]
    private static partial int Kill(int pid, int signal);
}
