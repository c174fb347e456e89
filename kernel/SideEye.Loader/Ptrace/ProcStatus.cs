namespace SideEye.Loader.Ptrace;

/// <summary>The fields of /proc/PID/status (or /proc/PID/task/TID/status) that decide whether we may trace.</summary>
public sealed record ProcStatus(char State, int Tgid, int TracerPid)
{
    /// <summary>Null when the process or thread does not exist (any more).</summary>
    public static ProcStatus? Read(int pid, int? tid = null)
    {
        var path = tid is { } t ? $"/proc/{pid}/task/{t}/status" : $"/proc/{pid}/status";
        string[] lines;
        try { lines = File.ReadAllLines(path); }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or IOException) { return null; }
        char state = '?';
        int tgid = 0, tracer = 0;
        foreach (var line in lines)
        {
            if (line.StartsWith("State:", StringComparison.Ordinal)) state = line.AsSpan(6).Trim()[0];
            else if (line.StartsWith("Tgid:", StringComparison.Ordinal)) tgid = int.Parse(line.AsSpan(5).Trim());
            else if (line.StartsWith("TracerPid:", StringComparison.Ordinal)) tracer = int.Parse(line.AsSpan(10).Trim());
        }
        return new ProcStatus(state, tgid, tracer);
    }

    /// <summary>Z (zombie) or X (dead): the process has exited and only its exit status remains.</summary>
    public bool HasExited => State is 'Z' or 'X';

    /// <summary>t: stopped by a tracer.</summary>
    public bool InTracingStop => State == 't';

    /// <summary>The thread ids in /proc/PID/task, or an empty list when the process is gone.</summary>
    public static IReadOnlyList<int> Threads(int pid)
    {
        try
        {
            return Directory.EnumerateDirectories($"/proc/{pid}/task")
                .Select(d => int.TryParse(Path.GetFileName(d), out var t) ? t : 0)
                .Where(t => t > 0)
                .ToArray();
        }
        catch (Exception e) when (e is DirectoryNotFoundException or IOException) { return []; }
    }

    /// <summary>
    /// The threads of <paramref name="pid"/> whose tracer is thread <paramref name="tracerTid"/>, and how many of them
    /// are in a ptrace-stop. Read from /proc, so it needs nothing from the tracer thread, which may be stuck.
    /// </summary>
    public static (int Traced, int Stopped) TracedBy(int pid, int tracerTid)
    {
        if (tracerTid <= 0) return (0, 0);
        int traced = 0, stopped = 0;
        foreach (var tid in Threads(pid))
        {
            if (Read(pid, tid) is not { } thread || thread.TracerPid != tracerTid) continue;
            traced++;
            if (thread.InTracingStop) stopped++;
        }
        return (traced, stopped);
    }

    /// <summary>
    /// True when the thread has begun to exit (PF_EXITING in the flags field of /proc/PID/task/TID/stat) or is
    /// gone: ptrace refuses such a thread with EPERM, and it will never run user code again.
    /// </summary>
    public static bool IsExiting(int pid, int tid)
    {
        const uint PF_EXITING = 0x4;
        string stat;
        try { stat = File.ReadAllText($"/proc/{pid}/task/{tid}/stat"); }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or IOException) { return true; }
        // "tid (comm) state ppid pgrp session tty_nr tpgid flags ...": comm may hold spaces and parentheses.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return fields[0] is "Z" or "X" || (uint.Parse(fields[6]) & PF_EXITING) != 0;
    }
}
