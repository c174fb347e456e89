namespace SideEye.Loader.Pause;

/// <summary>
/// Resumes every active pause when our process is on its way out: ProcessExit (normal exit, SIGTERM),
/// Ctrl-C (CancelKeyPress, which then terminates as usual) and an unhandled exception. A SIGKILL or a
/// crash skips these hooks; then the kernel detaches the tracees as our tracer threads die.
/// </summary>
internal static class PauseExitHooks
{
    static readonly object Gate = new();
    static readonly HashSet<ProcessPause> Active = [];
    static bool _installed;

    public static void Add(ProcessPause pause)
    {
        lock (Gate)
        {
            if (!_installed)
            {
                AppDomain.CurrentDomain.ProcessExit += (_, _) => ResumeAll();
                AppDomain.CurrentDomain.UnhandledException += (_, _) => ResumeAll();
                Console.CancelKeyPress += (_, _) => ResumeAll();
                _installed = true;
            }
            Active.Add(pause);
        }
    }

    public static void Remove(ProcessPause pause)
    {
        lock (Gate) Active.Remove(pause);
    }

    internal static int ActiveCount
    {
        get { lock (Gate) return Active.Count; }
    }

    internal static void ResumeAll()
    {
        ProcessPause[] pauses;
        lock (Gate) pauses = [.. Active];
        foreach (var p in pauses)
        {
            // On the way out nobody can act on the error, and the kernel releases the threads when the tracer
            // thread ends anyway: keep resuming the other pauses.
            try { p.Resume(); }
            catch (TargetProcessException) { }
        }
    }
}
