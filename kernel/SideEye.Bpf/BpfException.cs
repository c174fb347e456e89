using SideEye.Bpf.Internal.Linux;

namespace SideEye.Bpf;

/// <summary>A bpf(2) or related system call failed: names the command, the errno and, where known, what it usually means.</summary>
public class BpfException : SideEyeException
{
    /// <summary>The failing operation, e.g. BPF_MAP_CREATE or perf_event_open.</summary>
    public string Command { get; }
    /// <summary>The errno returned (0 if the failure was not an errno).</summary>
    public int Errno { get; }
    /// <summary>The errno's symbolic name, e.g. EPERM.</summary>
    public string ErrnoName => Errno == 0 ? "" : Internal.Linux.Errno.Name(Errno);

    public BpfException(string command, int errno, string what, Exception? inner = null)
        : base(Compose(command, errno, what), inner)
    {
        Command = command;
        Errno = errno;
    }

    /// <summary>For subclasses that compose their own one-line message.</summary>
    protected BpfException(string message, string command, int errno, Exception? inner)
        : base(message, inner)
    {
        Command = command;
        Errno = errno;
    }

    static string Compose(string command, int errno, string what)
    {
        var prefix = string.IsNullOrEmpty(what) ? command : $"{command} {what}";
        if (errno == 0) return prefix;
        return $"{prefix}: {Internal.Linux.Errno.Name(errno)} ({Internal.Linux.Errno.Describe(errno)}){Hint(command, errno)}";
    }

    /// <summary>Turns bare errnos into the usual cause.</summary>
    static string Hint(string command, int errno) => errno switch
    {
        Internal.Linux.Errno.EPERM => "; needs CAP_BPF (and CAP_PERFMON for tracing) or root, and enough RLIMIT_MEMLOCK on old kernels",
        Internal.Linux.Errno.EFAULT when command == "BPF_PROG_LOAD" => "; the verifier hit an internal bug",
        _ => "",
    };
}
