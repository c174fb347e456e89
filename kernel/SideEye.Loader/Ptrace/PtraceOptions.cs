namespace SideEye.Loader.Ptrace;

/// <summary>PTRACE_SEIZE options (PTRACE_O_*, uapi linux/ptrace.h).</summary>
[Flags]
public enum PtraceOptions
{
    None = 0,
    /// <summary>PTRACE_O_TRACECLONE: threads the tracee creates are traced too and start in a ptrace-stop.</summary>
    TraceClone = 0x08,
    /// <summary>PTRACE_O_EXITKILL: SIGKILL the tracee when the tracer exits. Never used for a pause.</summary>
    ExitKill = 0x100000,
}
