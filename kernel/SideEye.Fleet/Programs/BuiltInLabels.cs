namespace SideEye.Fleet.Programs;

/// <summary>
/// The labels SideEye gives every process itself; a fleet file's static labels may not take these names, so a
/// query's <c>program</c> or <c>host</c> always means the same thing.
/// </summary>
public static class BuiltInLabels
{
    public const string Program = "program";
    public const string Environment = "environment";
    /// <summary>The agent's name in the fleet file.</summary>
    public const string Host = "host";
    /// <summary>The machine's own name, as its agent reports it.</summary>
    public const string Hostname = "hostname";
    public const string Pid = "pid";
    public const string Exe = "exe";
    public const string GoVersion = "go_version";
    /// <summary>The process's control group (its container).</summary>
    public const string Cgroup = "cgroup";

    public static IReadOnlySet<string> All { get; } = new HashSet<string>(StringComparer.Ordinal) { Program, Environment, Host, Hostname, Pid, Exe, GoVersion, Cgroup };
}
