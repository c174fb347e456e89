namespace SideEye.Loader.Privileges;

/// <summary>
/// What was asked of a process, in the kernel's terms (ptrace_may_access modes): which of our ids it compares with
/// the target's, and whether Yama has a say.
/// </summary>
public enum TargetAccess
{
    /// <summary>PTRACE_SEIZE or PTRACE_ATTACH (PTRACE_MODE_ATTACH_REALCREDS): our real ids; Yama applies.</summary>
    Attach = 0,
    /// <summary>Opening /proc/PID/mem (PTRACE_MODE_ATTACH_FSCREDS): our filesystem ids; Yama applies.</summary>
    ReadMemory = 1,
    /// <summary>Reading /proc/PID/exe, maps, environ and the like (PTRACE_MODE_READ_FSCREDS): our filesystem ids; Yama does not apply.</summary>
    Inspect = 2,
}
