namespace SideEye.Loader.Privileges;

/// <summary>
/// Everything <see cref="AccessDenial"/> reasons from: both processes' credentials and the system-wide settings
/// that can refuse one process access to another. A record, so tests can state the facts instead of arranging them.
/// </summary>
/// <param name="Target">Null when the target has gone.</param>
/// <param name="OwnUserNamespaceIsInitial">From /proc/self/uid_map ("0 0 4294967295" only in the initial namespace); null if unreadable.</param>
/// <param name="YamaPtraceScope">kernel.yama.ptrace_scope; null without Yama.</param>
/// <param name="Lockdown">The active mode in /sys/kernel/security/lockdown (none, integrity, confidentiality); null when securityfs is not mounted.</param>
/// <param name="SecurityModules">/sys/kernel/security/lsm, e.g. "lockdown,capability,landlock,yama,apparmor,bpf"; null when securityfs is not mounted.</param>
public sealed record AccessFacts(
    ProcessCredentials Own,
    ProcessCredentials? Target,
    bool? OwnUserNamespaceIsInitial,
    int? YamaPtraceScope,
    string? Lockdown,
    string? SecurityModules)
{
    /// <summary>Reads the facts for an access by us to process <paramref name="pid"/> now.</summary>
    public static AccessFacts Gather(int pid) => new(
        ProcessCredentials.Own(),
        ProcessCredentials.Read(pid),
        OwnNamespaceIsInitial(),
        ReadInt("/proc/sys/kernel/yama/ptrace_scope"),
        ReadText("/sys/kernel/security/lockdown") is { } modes && modes.IndexOf('[') is var open and >= 0
            ? modes[(open + 1)..modes.IndexOf(']', open)]
            : null,
        ReadText("/sys/kernel/security/lsm"));

    static bool? OwnNamespaceIsInitial() =>
        ReadText("/proc/self/uid_map") is { } map
            ? map.Split((char[])[' ', '\t', '\n'], StringSplitOptions.RemoveEmptyEntries) is ["0", "0", "4294967295"]
            : null;

    static int? ReadInt(string path) => int.TryParse(ReadText(path), out var value) ? value : null;

    static string? ReadText(string path)
    {
        try { return File.ReadAllText(path).Trim(); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }
}
