using SideEye.Loader.Run;

namespace SideEye.Agent.Probes;

/// <summary>A job loaded for one client and one process, with what names it: the job's SHA-256 and the process's start ticks.</summary>
public sealed class LoadedProbe(string callerKey, int pid, ulong startTicks, byte[] sha256, SnapshotRunner runner, string programSha256)
{
    public string CallerKey { get; } = callerKey;
    public int Pid { get; } = pid;
    public ulong StartTicks { get; } = startTicks;
    public byte[] Sha256 { get; } = sha256;
    public string ProgramSha256 { get; } = programSha256;
    public SnapshotRunner Runner { get; } = runner;
    /// <summary>Calls using it now; it is never unloaded while one is.</summary>
    public int Users { get; set; }
    public long LastUsedTicks { get; set; } = Environment.TickCount64;
}
