using System.Globalization;
using System.Runtime.InteropServices;

namespace SideEye.Testing;

/// <summary>
/// Pushes a process's memory out of RAM as the kernel's reclaim would for an idle service: process_madvise(2) with
/// MADV_PAGEOUT over every mapping (anonymous pages go to swap, which <see cref="SwapSpace"/> provides; clean file
/// pages of its executable are dropped). What is paged out is read back from /proc, independently of SideEye.
/// </summary>
public static partial class PageOut
{
    const int MadvPageout = 21;
    const long SysPidfdOpen = 434, SysProcessMadvise = 440;

    [StructLayout(LayoutKind.Sequential)]
    struct IoVec
    {
        public nint Base;
        public nuint Length;
    }

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial long PidfdOpen(long number, int pid, uint flags);

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static unsafe partial long ProcessMadvise(long number, int pidfd, IoVec* vectors, nuint count, int advice, uint flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int close(int fd);

    /// <summary>Pages out every mapping of <paramref name="pid"/>; returns the bytes of it then in swap (VmSwap).</summary>
    public static unsafe long Process(int pid)
    {
        var pidfd = (int)PidfdOpen(SysPidfdOpen, pid, 0);
        if (pidfd < 0) throw new InvalidOperationException($"pidfd_open({pid}): errno {Marshal.GetLastPInvokeError()}");
        try
        {
            foreach (var m in Procfs.Maps(pid))
            {
                // One range at a time: a range the kernel refuses (a special mapping such as [vsyscall]) must not stop the rest.
                var vector = new IoVec { Base = (nint)m.Start, Length = (nuint)(m.End - m.Start) };
                ProcessMadvise(SysProcessMadvise, pidfd, &vector, 1, MadvPageout, 0);
            }
        }
        finally
        {
            close(pidfd);
        }
        return SwappedBytes(pid);
    }

    /// <summary>VmSwap of /proc/PID/status: the process's anonymous memory now in swap.</summary>
    public static long SwappedBytes(int pid) =>
        File.ReadLines($"/proc/{pid}/status").Where(l => l.StartsWith("VmSwap:", StringComparison.Ordinal))
            .Select(l => long.Parse(l["VmSwap:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024).FirstOrDefault();
}
