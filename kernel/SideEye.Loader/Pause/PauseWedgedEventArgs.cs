namespace SideEye.Loader.Pause;

/// <summary>
/// What <see cref="ProcessPause.Wedged"/> reports: a pause whose tracer thread stopped answering and could not be
/// interrupted, and how much of the target it still holds, as /proc showed it when the caller gave up.
/// </summary>
public sealed class PauseWedgedEventArgs(int pid, int tracerTid, string activity, int threadsHeld, int threadsStopped, string reason) : EventArgs
{
    /// <summary>The target process.</summary>
    public int Pid { get; } = pid;

    /// <summary>The kernel thread id of the stuck tracer thread: the TracerPid that /proc shows for the held threads.</summary>
    public int TracerTid { get; } = tracerTid;

    /// <summary>What the tracer thread was doing when it stopped answering, e.g. "running the work given to PauseWhile" or "stopping the target".</summary>
    public string Activity { get; } = activity;

    /// <summary>Threads of the target still traced by the stuck thread: a running one stops at its next signal or clone.</summary>
    public int ThreadsHeld { get; } = threadsHeld;

    /// <summary>Of <see cref="ThreadsHeld"/>, those in a ptrace-stop (state t) when the caller gave up.</summary>
    public int ThreadsStopped { get; } = threadsStopped;

    /// <summary>The one-line reason also carried by the <see cref="TargetProcessException"/> the caller receives.</summary>
    public string Reason { get; } = reason;
}
