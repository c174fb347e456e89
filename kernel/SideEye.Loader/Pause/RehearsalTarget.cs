using System.Runtime.InteropServices;
using SideEye.Loader.Ptrace;

namespace SideEye.Loader.Pause;

/// <summary>
/// A throwaway process to rehearse a pause on: <c>sleep 60</c>, started with posix_spawn (not
/// System.Diagnostics.Process, whose SIGCHLD handling would reap the tracer's wait reports), killed and reaped on
/// Dispose. Pausing it once runs every step a real pause takes (seize, interrupt, wait, registers, signal
/// delivery, detach) through the same code, so that code is compiled and its first-time costs are paid before a
/// real target is ever stopped. If we die first it ends by itself within the minute.
/// </summary>
internal sealed partial class RehearsalTarget : IDisposable
{
    static readonly string[] SleepPaths = ["/usr/bin/sleep", "/bin/sleep"];

    public int Pid { get; }

    RehearsalTarget(int pid) => Pid = pid;

    /// <summary>The helper, or null when this machine has no sleep(1) to run (the rehearsal is then skipped).</summary>
    public static unsafe RehearsalTarget? TryStart()
    {
        var path = SleepPaths.FirstOrDefault(File.Exists);
        if (path is null) return null;
        var args = new[] { path, "60" };
        var strings = args.Select(a => Marshal.StringToHGlobalAnsi(a)).ToArray();
        try
        {
            var argv = stackalloc nint[strings.Length + 1];
            for (var i = 0; i < strings.Length; i++) argv[i] = strings[i];
            argv[strings.Length] = 0;
            var envp = stackalloc nint[1];
            envp[0] = 0;
            return PosixSpawn(out var pid, strings[0], 0, 0, argv, envp) == 0 ? new RehearsalTarget(pid) : null;
        }
        finally
        {
            foreach (var s in strings) Marshal.FreeHGlobal(s);
        }
    }

    public void Dispose()
    {
        Kill(Pid, SigKill);
        // Reaped here, so no zombie stays behind; EINTR aside, waitpid returns once the kernel has it.
        while (PtraceNative.WaitPid(Pid, out _, 0) < 0 && Marshal.GetLastPInvokeError() == PtraceNative.EINTR) { }
    }

    const int SigKill = 9;

    [LibraryImport("libc", EntryPoint = "posix_spawn")]
    private static unsafe partial int PosixSpawn(out int pid, nint path, nint fileActions, nint attributes, nint* argv, nint* envp);

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
