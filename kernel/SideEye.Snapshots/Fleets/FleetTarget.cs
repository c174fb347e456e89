using SideEye.Fleet.Agents;
using SideEye.GoRuntime.Processes;

namespace SideEye.Snapshots.Fleets;

/// <summary>
/// One Go process of a fleet as its agent lists it, with what the fleet file makes of it: its program and every label
/// (the agent's static ones, program, environment, host, hostname). An agent that could not be asked is a target too,
/// with no process and its <see cref="Error"/>, so a listing shows it rather than leaving it out.
/// </summary>
public sealed record FleetTarget(FleetAgent Agent, GoProcessInfo? Process, string? Hostname, IReadOnlyDictionary<string, string> Labels, string? Error)
{
    public string Host => Agent.Name;
    public string? Program => Labels.GetValueOrDefault(Fleet.Programs.BuiltInLabels.Program);
    public string? Environment => Agent.Environment;

    /// <summary>The agent's static labels as KEY=VALUE,… in key order (the fleet file keeps them apart from the built-in ones).</summary>
    public string StaticLabels => string.Join(",", Agent.Labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value}"));
}
