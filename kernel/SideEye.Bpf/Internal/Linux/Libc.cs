using System.Runtime.InteropServices;

namespace SideEye.Bpf.Internal.Linux;

/// <summary>
/// The few libc entry points the library needs. Each sets errno, captured with SetLastError so
/// <see cref="Marshal.GetLastPInvokeError"/> reads it before anything else can overwrite it.
/// </summary>
internal static unsafe class Libc
{
    const string Lib = "libc";

    // syscall(2) is variadic; integer-only varargs are passed like ordinary arguments on x86_64 and arm64 Linux.
    [DllImport(Lib, EntryPoint = "syscall", SetLastError = true)]
    public static extern long Syscall(long number, long a1, long a2, long a3, long a4, long a5);

    [DllImport(Lib, EntryPoint = "close", SetLastError = true)]
    public static extern int Close(int fd);

    [DllImport(Lib, EntryPoint = "ioctl", SetLastError = true)]
    public static extern int Ioctl(int fd, ulong request, long arg);

    [DllImport(Lib, EntryPoint = "mmap", SetLastError = true)]
    public static extern nint Mmap(nint addr, nuint length, int prot, int flags, int fd, long offset);

    [DllImport(Lib, EntryPoint = "munmap", SetLastError = true)]
    public static extern int Munmap(nint addr, nuint length);

    [DllImport(Lib, EntryPoint = "read", SetLastError = true)]
    public static extern nint Read(int fd, byte* buffer, nuint count);

    [DllImport(Lib, EntryPoint = "epoll_create1", SetLastError = true)]
    public static extern int EpollCreate1(int flags);

    [DllImport(Lib, EntryPoint = "epoll_ctl", SetLastError = true)]
    public static extern int EpollCtl(int epfd, int op, int fd, byte* ev);

    [DllImport(Lib, EntryPoint = "epoll_wait", SetLastError = true)]
    public static extern int EpollWait(int epfd, byte* events, int maxEvents, int timeoutMs);

    [DllImport(Lib, EntryPoint = "getpagesize")]
    public static extern int GetPageSize();

    public const int ProtRead = 1, ProtWrite = 2;
    public const int MapShared = 1;
    public const int EpollCloexec = 0x80000, EpollCtlAdd = 1, EpollIn = 1;
    public const uint EpollEt = 1u << 31;
    public static readonly nint MapFailed = -1;
    /// <summary>struct epoll_event is packed (12 bytes) on x86_64 and 16 bytes elsewhere; we never read its data field.</summary>
    public const int EpollEventSize = 16;

    public static int LastErrno => Marshal.GetLastPInvokeError();

    /// <summary>System call numbers differ per architecture (asm/unistd.h).</summary>
    public static long SysBpf => Arch(x64: 321, arm64: 280);
    public static long SysPerfEventOpen => Arch(x64: 298, arm64: 241);

    static long Arch(long x64, long arm64) => RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => x64,
        Architecture.Arm64 => arm64,
        var a => throw new PlatformNotSupportedException($"no system call table for {a}"),
    };
}
