using System.Runtime.InteropServices;

namespace SideEye.Bpf.Internal.Linux;

/// <summary>
/// Owns one file descriptor (bpf object, perf event, epoll, iterator) and closes it exactly once.
/// -1 is the invalid value: fd 0 is a legal descriptor if stdin was closed.
/// </summary>
internal sealed class FdHandle : SafeHandle
{
    public FdHandle(int fd) : base(new IntPtr(-1), ownsHandle: true) => SetHandle(new IntPtr(fd));

    public override bool IsInvalid => handle == new IntPtr(-1);

    /// <summary>The raw fd for a system call; throws once the owner is disposed.</summary>
    public int Value => IsClosed ? throw new ObjectDisposedException("fd", "the file descriptor was closed") : (int)handle;

    protected override bool ReleaseHandle() => Libc.Close((int)handle) == 0;
}
