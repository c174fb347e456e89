using System.Runtime.InteropServices;

namespace SideEye.Loader.Ptrace;

/// <summary>Names errno values the way man pages do, with libc's text.</summary>
internal static class Errno
{
    public static string Describe(int errno)
    {
        var name = errno switch
        {
            1 => "EPERM",
            3 => "ESRCH",
            4 => "EINTR",
            5 => "EIO",
            10 => "ECHILD",
            11 => "EAGAIN",
            13 => "EACCES",
            14 => "EFAULT",
            22 => "EINVAL",
            38 => "ENOSYS",
            _ => $"errno {errno}",
        };
        return $"{name} ({Marshal.GetPInvokeErrorMessage(errno)})";
    }
}
