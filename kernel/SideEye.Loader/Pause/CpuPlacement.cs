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

    /// <summary>
    /// Field 39 of /proc/PID/task/TID/stat: the CPU the thread last ran on. Read with plain open/read into a stack
    /// buffer: this runs while the target is stopped, and File.ReadAllText cost 100 µs of pause there (measured).
    /// </summary>
    static unsafe int? LastCpu(int pid, int tid)
    {
        var path = $"/proc/{pid}/task/{tid}/stat\0";
        var buffer = stackalloc byte[1024];
        int length;
        fixed (char* chars = path)
        {
            var bytes = stackalloc byte[path.Length];
            for (var i = 0; i < path.Length; i++) bytes[i] = (byte)chars[i];
            var fd = Open(bytes, OpenReadOnly | OpenCloseOnExec);
            if (fd < 0) return null;
            length = (int)Read(fd, buffer, 1024);
            Close(fd);
        }
        if (length <= 0) return null;
        var stat = new ReadOnlySpan<byte>(buffer, length);
        // The command name (field 2) is in parentheses and may hold spaces: count fields after the last ')'.
        var rest = stat[(stat.LastIndexOf((byte)')') + 2)..];
        for (var field = 3; field < 39; field++)
        {
            var space = rest.IndexOf((byte)' ');
            if (space < 0) return null;
            rest = rest[(space + 1)..];
        }
        var end = rest.IndexOf((byte)' ');
        return System.Buffers.Text.Utf8Parser.TryParse(end < 0 ? rest : rest[..end], out int cpu, out _) ? cpu : null;
    }

    const int OpenReadOnly = 0, OpenCloseOnExec = 0x80000;

    [LibraryImport("libc", EntryPoint = "open")]
    private static unsafe partial int Open(byte* path, int flags);

    [LibraryImport("libc", EntryPoint = "read")]
    private static unsafe partial nint Read(int fd, byte* buffer, nint count);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "sched_getaffinity")]
    private static unsafe partial int SchedGetAffinity(int pid, nint size, byte* mask);

    [LibraryImport("libc", EntryPoint = "sched_setaffinity")]
    private static unsafe partial int SchedSetAffinity(int pid, nint size, byte* mask);
}
