using System.Runtime.InteropServices;

namespace SideEye.Loader.Pause;

/// <summary>
/// Resumes every active pause when our process is on its way out: ProcessExit (normal exit), an unhandled
/// exception, Ctrl-C (CancelKeyPress) and SIGTERM, SIGHUP and SIGQUIT. Since .NET 10 the runtime installs no
/// SIGTERM handler, so we register these signals ourselves; the handlers never cancel, so the signal's default
/// action (terminating the process) follows once the targets run again. A SIGKILL or a crash skips every hook;
/// then the kernel detaches the tracees as our tracer threads die.
/// </summary>
internal static class PauseExitHooks
{
    static readonly object Gate = new();
    static readonly HashSet<ProcessPause> Active = [];
    static bool _installed;
    static readonly List<PosixSignalRegistration> Signals = [];

    public static void Add(ProcessPause pause)
    {
        lock (Gate)
        {
            if (!_installed)
            {
                AppDomain.CurrentDomain.ProcessExit += (_, _) => ResumeAll();
                AppDomain.CurrentDomain.UnhandledException += (_, _) => ResumeAll();
                Console.CancelKeyPress += (_, _) => ResumeAll();
                foreach (var signal in new[] { PosixSignal.SIGTERM, PosixSignal.SIGHUP, PosixSignal.SIGQUIT })
                    Signals.Add(PosixSignalRegistration.Create(signal, _ => ResumeAll()));
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
            // thread ends anyway: keep resuming the other pauses. Bounded, so a stuck tracer thread cannot hold up the exit.
            try { p.ResumeOnExit(); }
            catch (TargetProcessException) { }
        }
    }
}
