using System.Runtime.CompilerServices;
using SideEye.Bpf.Internal.Linux;

namespace SideEye.Bpf.Internal.Sys;

/// <summary>Thin typed wrappers over bpf(2) and perf_event_open(2): one per command, errno returned, never thrown here.</summary>
internal static unsafe class Bpf
{
    /// <summary>Runs a bpf command; returns the result (an fd or 0) or -errno.</summary>
    public static int Call<T>(BpfCmd cmd, ref T attr) where T : unmanaged
    {
        fixed (T* p = &attr)
        {
            for (var attempt = 1; ; attempt++)
            {
                var r = Libc.Syscall(Libc.SysBpf, (long)cmd, (long)p, sizeof(T), 0, 0);
                if (r >= 0) return (int)r;
                var errno = Libc.LastErrno;
                // The verifier may be interrupted by a signal and asks for a retry; a few are enough.
                var retry = cmd == BpfCmd.ProgLoad && errno is Errno.EINTR or Errno.EAGAIN && attempt < 5;
                if (!retry) return -errno;
            }
        }
    }

    /// <summary>Runs a command that returns a new fd; throws <see cref="BpfException"/> naming <paramref name="what"/>.</summary>
    public static FdHandle CallFd<T>(BpfCmd cmd, ref T attr, string what) where T : unmanaged
    {
        var r = Call(cmd, ref attr);
        if (r < 0) throw new BpfException(CommandName(cmd), -r, what);
        return new FdHandle(r);
    }

    public static string CommandName(BpfCmd cmd) => cmd switch
    {
        BpfCmd.MapCreate => "BPF_MAP_CREATE",
        BpfCmd.MapLookupElem => "BPF_MAP_LOOKUP_ELEM",
        BpfCmd.MapUpdateElem => "BPF_MAP_UPDATE_ELEM",
        BpfCmd.MapDeleteElem => "BPF_MAP_DELETE_ELEM",
        BpfCmd.MapGetNextKey => "BPF_MAP_GET_NEXT_KEY",
        BpfCmd.ProgLoad => "BPF_PROG_LOAD",
        BpfCmd.ProgTestRun => "BPF_PROG_TEST_RUN",
        BpfCmd.ObjGetInfoByFd => "BPF_OBJ_GET_INFO_BY_FD",
        BpfCmd.BtfLoad => "BPF_BTF_LOAD",
        BpfCmd.LinkCreate => "BPF_LINK_CREATE",
        BpfCmd.IterCreate => "BPF_ITER_CREATE",
        _ => "BPF_CMD_" + (int)cmd,
    };

    /// <summary>Copies a name into a fixed 16-byte kernel name field (BPF_OBJ_NAME_LEN), truncated, NUL-terminated.</summary>
    public static void WriteName(byte* field, string name)
    {
        var n = Math.Min(name.Length, 15);
        for (var i = 0; i < n; i++) field[i] = (byte)(name[i] < 128 && (char.IsAsciiLetterOrDigit(name[i]) || name[i] is '_' or '.') ? name[i] : '_');
        field[n] = 0;
    }

    public static ulong Ptr(void* p) => (ulong)p;

    /// <summary>perf_event_open(2); returns the fd or -errno.</summary>
    public static int PerfEventOpen(ref PerfEventAttr attr, int pid, int cpu, int groupFd, ulong flags)
    {
        attr.Size = (uint)sizeof(PerfEventAttr);
        fixed (PerfEventAttr* p = &attr)
        {
            var r = Libc.Syscall(Libc.SysPerfEventOpen, (long)p, pid, cpu, groupFd, (long)flags);
            return r >= 0 ? (int)r : -Libc.LastErrno;
        }
    }

    public const ulong PerfFlagFdCloexec = 8;
    /// <summary>PERF_EVENT_IOC_ENABLE = _IO('$', 0).</summary>
    public const ulong PerfEventIocEnable = 0x2400;
    /// <summary>PERF_EVENT_IOC_SET_BPF = _IOW('$', 8, __u32).</summary>
    public const ulong PerfEventIocSetBpf = 0x40042408;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint U(int fd) => (uint)fd;
}
