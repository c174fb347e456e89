namespace SideEye.Loader;

/// <summary>
/// A target process could not be paused, inspected or resumed: it does not exist, has exited, is our own
/// process, is traced by someone else, the kernel refused us (the reason says why, see
/// <see cref="Privileges.AccessDenial"/>), or the pause's tracer thread stopped answering (the reason says whether
/// the target is still held). <see cref="Errno"/> is set when a syscall said why.
/// </summary>
public sealed class TargetProcessException : SideEyeException
{
    public TargetProcessException(int pid, string reason, int? errno = null, Exception? inner = null)
        : base($"process {pid}: {reason}", inner)
    {
        Pid = pid;
        Reason = reason;
        Errno = errno;
    }

    public int Pid { get; }
    public string Reason { get; }
    public int? Errno { get; }
}
