using SideEye.Remote.Connection;

namespace SideEye.Fleet.Agents;

/// <summary>
/// One agent of a fleet: its name (the <c>host</c> label of its processes), where to reach it, its environment and
/// its static labels. After <see cref="FleetSpec.ResolveAsync"/>, an agent whose name did not resolve carries the
/// reason in <see cref="Problem"/>, for the caller to report as that agent's row while the others go ahead.
/// </summary>
public sealed record FleetAgent(string Name, AgentAddress Address, string? Environment, IReadOnlyDictionary<string, string> Labels)
{
    /// <summary>Why this agent cannot be contacted (its DNS name did not resolve); null when it can.</summary>
    public string? Problem { get; init; }
}
