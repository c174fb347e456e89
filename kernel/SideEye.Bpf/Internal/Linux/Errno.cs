using System.Runtime.InteropServices;

namespace SideEye.Bpf.Internal.Linux;

/// <summary>Errno values and their symbolic names (asm-generic/errno-base.h, errno.h, and the kernel-internal ENOTSUPP).</summary>
internal static class Errno
{
    public const int EPERM = 1, ENOENT = 2, ESRCH = 3, EINTR = 4, EIO = 5, E2BIG = 7, EBADF = 9, EAGAIN = 11, ENOMEM = 12,
        EACCES = 13, EFAULT = 14, EBUSY = 16, EEXIST = 17, ENODEV = 19, EINVAL = 22, ENOSPC = 28, ERANGE = 34, ENOSYS = 38,
        EOPNOTSUPP = 95, ENOTSUPP = 524;

    static readonly Dictionary<int, string> Names = new()
    {
        [EPERM] = "EPERM",
        [ENOENT] = "ENOENT",
        [ESRCH] = "ESRCH",
        [EINTR] = "EINTR",
        [EIO] = "EIO",
        [E2BIG] = "E2BIG",
        [EBADF] = "EBADF",
        [EAGAIN] = "EAGAIN",
        [ENOMEM] = "ENOMEM",
        [EACCES] = "EACCES",
        [EFAULT] = "EFAULT",
        [EBUSY] = "EBUSY",
        [EEXIST] = "EEXIST",
        [ENODEV] = "ENODEV",
        [EINVAL] = "EINVAL",
        [ENOSPC] = "ENOSPC",
        [ERANGE] = "ERANGE",
        [ENOSYS] = "ENOSYS",
        [EOPNOTSUPP] = "EOPNOTSUPP",
        [ENOTSUPP] = "ENOTSUPP",
    };

    public static string Name(int errno) => Names.TryGetValue(errno, out var n) ? n : "E" + errno;

    public static string Describe(int errno) => errno == ENOTSUPP ? "operation not supported" : Marshal.GetPInvokeErrorMessage(errno);
}
