using System.Runtime.InteropServices;

namespace SideEye.Loader.Pause;

/// <summary>
/// Keeps the calling thread off the CPU a target thread last ran on. A thread woken from a ptrace-stop goes back
/// to its previous CPU when that one is idle; if we were polling there, it would queue behind us (the probe's
/// start delayed by 3 ms, measured), and yielding to it instead leaves us waiting behind whatever it runs next.
/// Best effort: a machine with one CPU, or a thread whose CPU cannot be read, changes nothing.
/// </summary>
internal static partial class CpuPlacement
{
    const int MaskBytes = 128; // cpu_set_t: 1024 CPUs

    /// <summary>True when the calling thread now runs only on CPUs other than <paramref name="tid"/>'s last one.</summary>
    public static unsafe bool AvoidCpuOf(int pid, int tid)
    {
        if (Environment.ProcessorCount < 2 || LastCpu(pid, tid) is not { } cpu || cpu >= MaskBytes * 8) return false;
        var mask = stackalloc byte[MaskBytes];
        if (SchedGetAffinity(0, MaskBytes, mask) != 0) return false;
        mask[cpu / 8] &= (byte)~(1 << (cpu % 8));
        for (var i = 0; i < MaskBytes; i++)
            if (mask[i] != 0) return SchedSetAffinity(0, MaskBytes, mask) == 0;
        return false;
    }

    /// <summary>Field 39 of /proc/PID/task/TID/stat: the CPU the thread last ran on.</summary>
    static int? LastCpu(int pid, int tid)
    {
        string stat;
        try { stat = File.ReadAllText($"/proc/{pid}/task/{tid}/stat"); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
        // The command name (field 2) is in parentheses and may hold spaces: count fields after the last ')'.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return fields.Length > 36 && int.TryParse(fields[36], System.Globalization.CultureInfo.InvariantCulture, out var cpu) ? cpu : null;
    }

    [LibraryImport("libc", EntryPoint = "sched_getaffinity")]
    private static unsafe partial int SchedGetAffinity(int pid, nint size, byte* mask);

    [LibraryImport("libc", EntryPoint = "sched_setaffinity")]
    private static unsafe partial int SchedSetAffinity(int pid, nint size, byte* mask);
}
