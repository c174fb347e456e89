namespace SideEye.Snapshots.Collection;

/// <summary>
/// One Go process on this machine as <see cref="GoProcesses.List"/> found it. <see cref="Goroutines"/> is
/// runtime.allglen (every g the runtime has allocated, dead ones waiting for reuse included), null when the
/// runtime model or the memory could not be read.
/// </summary>
public sealed record GoProcessInfo(int Pid, string Exe, string GoVersion, TimeSpan Uptime, long? Goroutines);
