namespace SideEye.Fleet.Programs;

/// <summary>What of a process a program rule's predicate matches; the fleet file's key in each member's comment.</summary>
public enum PredicateSubject
{
    /// <summary><c>executable_name</c>: the executable's file name.</summary>
    ExecutableName = 1,
    /// <summary><c>executable_path</c>: the executable's full path.</summary>
    ExecutablePath = 2,
    /// <summary><c>command_line</c>: the arguments, the executable's first, joined by single spaces.</summary>
    CommandLine = 3,
    /// <summary><c>env:NAME</c>: one environment variable of the process.</summary>
    EnvironmentVariable = 4,
    /// <summary><c>hostname</c>: the machine's name as its agent reports it.</summary>
    Hostname = 5,
    /// <summary><c>environment</c>: the agent's environment in the fleet file (prod, staging, …).</summary>
    Environment = 6,
    /// <summary><c>label:NAME</c>: one of the agent's static labels in the fleet file.</summary>
    Label = 7,
    /// <summary><c>cgroup</c>: the process's control group (its container or service), "" in the root one.</summary>
    Cgroup = 8,
}
