namespace SideEye.GoRuntime.Processes;

/// <summary>
/// One Go process on this machine as <see cref="GoProcesses.List"/> found it.
/// </summary>
/// <param name="Pid">The pid as this machine's /proc (the reader's PID namespace) shows it.</param>
/// <param name="NamespacePid">The pid inside the process's own PID namespace when that differs (a container), else null.</param>
/// <param name="Exe">The executable as /proc/PID/exe names it (a replaced binary's with its " (deleted)" mark).</param>
/// <param name="BuildId">The executable's cache key (<see cref="Binary.Elf.ElfImage.BuildId"/>); empty when it has none.</param>
/// <param name="Goroutines">runtime.allglen (every g the runtime has allocated, dead ones waiting for reuse
/// included), null when the runtime model or the memory could not be read.</param>
/// <param name="LoadBias">Where the executable is mapped relative to its link-time addresses (non-zero for a PIE).</param>
public sealed record GoProcessInfo(int Pid, string Exe, string GoVersion, TimeSpan Uptime, long? Goroutines)
{
    public int? NamespacePid { get; init; }
    /// <summary>The process's control group (its container, as <see cref="ProcessContainer.Cgroup"/> picks it), or null.</summary>
    public string? Cgroup { get; init; }
    public string BuildId { get; init; } = "";
    public ProcessStart Start { get; init; }
    public IReadOnlyList<string> CommandLine { get; init; } = [];
    public ulong LoadBias { get; init; }
    public long ExecutableSize { get; init; }
    /// <summary>Why an agent will not snapshot it (its policy), or null when it may (and always for a local process).</summary>
    public string? Refused { get; init; }
    /// <summary>Those of the environment variables the listing asked for that the process has (never any other); empty when none were asked.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = System.Collections.ObjectModel.ReadOnlyDictionary<string, string>.Empty;
}
