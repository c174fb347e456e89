using Microsoft.Win32.SafeHandles;

namespace SideEye.GoRuntime.Memory;

/// <summary>
/// Reads a live process's memory through /proc/PID/mem (needs ptrace access: root or the same user with
/// Yama allowing it). One pread per call: fine for a reference reader and tests; the snapshot probe reads
/// memory from BPF instead.
/// </summary>
public sealed class ProcessMemoryReader : IMemoryReader, IDisposable
{
    readonly SafeFileHandle _mem;

    ProcessMemoryReader(int pid, SafeFileHandle mem)
    {
        Pid = pid;
        _mem = mem;
    }

    public int Pid { get; }

    public static ProcessMemoryReader Open(int pid)
    {
        try
        {
            return new ProcessMemoryReader(pid, File.OpenHandle($"/proc/{pid}/mem", FileMode.Open, FileAccess.Read));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            var why = e is FileNotFoundException or DirectoryNotFoundException ? "no such process" : e is UnauthorizedAccessException ? "permission denied (needs root or CAP_SYS_PTRACE)" : e.Message;
            throw new SideEyeException($"process {pid}: cannot read its memory: {why}", e);
        }
    }

    public bool TryRead(ulong address, Span<byte> destination)
    {
        if (address > long.MaxValue) return false;
        try
        {
            return RandomAccess.Read(_mem, destination, (long)address) == destination.Length;
        }
        catch (IOException)
        {
            return false; // unmapped address (EIO) or the process went away
        }
    }

    public void Dispose() => _mem.Dispose();
}
