namespace SideEye.Fleet.Programs;

/// <summary>
/// What program rules look at for one process: what its agent says of it and of its machine, and what the fleet file
/// says of the agent. <see cref="EnvironmentVariables"/> holds only the variables the rules name
/// (<see cref="ProgramRules.EnvironmentVariables"/>): an agent never sends a process's whole environment.
/// </summary>
public sealed record ProcessFacts
{
    public required string ExecutableName { get; init; }
    public string ExecutablePath { get; init; } = "";
    public IReadOnlyList<string> CommandLine { get; init; } = [];
    /// <summary>The process's control group (its container), null in the root one.</summary>
    public string? Cgroup { get; init; }
    public IReadOnlyDictionary<string, string> EnvironmentVariables { get; init; } = Empty;
    /// <summary>The agent's name in the fleet file (the <c>host</c> label).</summary>
    public required string Host { get; init; }
    /// <summary>The machine's own name, as its agent reports it.</summary>
    public required string Hostname { get; init; }
    /// <summary>The agent's environment in the fleet file, if it names one.</summary>
    public string? Environment { get; init; }
    /// <summary>The agent's static labels from the fleet file.</summary>
    public IReadOnlyDictionary<string, string> Labels { get; init; } = Empty;

    static readonly IReadOnlyDictionary<string, string> Empty = new Dictionary<string, string>();
}
